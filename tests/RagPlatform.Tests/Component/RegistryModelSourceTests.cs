using System.Net;
using Grpc.Core;
using RagPlatform.Contracts.Generation.V1;
using RagPlatform.FineTuning.Extensions;
using RagPlatform.Generation.Extensions;
using RagPlatform.Tests.Infrastructure;

namespace RagPlatform.Tests.Component;

/// <summary>
/// Generation reading the fine-tuned chat models from a FineTuning service in another host: a model
/// registered after the list was read answers at once (an unknown name reads the registry again), a
/// registry that goes down leaves the last list in place, with health Degraded, and a remote model
/// (a hosted fine-tune's id) is called at its registered endpoint.
/// </summary>
public sealed class RegistryModelSourceTests : IAsyncLifetime
{
    private const string Tenant = "registry-reader";
    private readonly string fineTuning = Path.Combine(Path.GetTempPath(), "ragplatform-registry-" + Guid.NewGuid().ToString("N")[..10]);

    public Task InitializeAsync() => Task.CompletedTask;

    public Task DisposeAsync()
    {
        try { Directory.Delete(fineTuning, recursive: true); } catch (IOException) { }
        return Task.CompletedTask;
    }

    private Task Register(string suffix) => ChatModelRegistration.RegisterGgufAsync(fineTuning, Tenant, "random-llama", suffix,
        LlamaBuild.Locate().ModelPath, DateTime.UtcNow);

    [Fact]
    public async Task A_new_registration_is_found_on_first_use_and_an_outage_keeps_the_last_list()
    {
        await Register("first");
        var registry = await ServiceHost.StartAsync(b => b.AddFineTuningService(), a => a.MapFineTuningService(),
            new Dictionary<string, string?> { ["FineTuning:DataDirectory"] = fineTuning });
        await using var generation = await ServiceHost.StartAsync(b => b.AddGenerationService(), a => a.MapGenerationService(),
            new Dictionary<string, string?>
            {
                ["services:finetuning:http:0"] = registry.Address.ToString(),
                ["Generation:ModelRefreshInterval"] = "01:00:00", // only a miss reads the registry again
            });
        var client = new GenerationService.GenerationServiceClient(generation.Channel);
        using var http = new HttpClient { BaseAddress = generation.Address, DefaultRequestVersion = HttpVersion.Version20, DefaultVersionPolicy = HttpVersionPolicy.RequestVersionExact };
        var tenant = ServiceHost.Tenant(Tenant);
        string[] Names(ListModelsResponse response) => [.. response.Models.Where(m => m.FineTuned).Select(m => m.Name)];

        Assert.Equal(["random-llama+first"], Names(await client.ListModelsAsync(new ListModelsRequest(), tenant)));
        Assert.Equal("Healthy", await http.GetStringAsync("/health"));

        // Registered while the list is cached: naming it reads the registry again.
        await Register("second");
        var second = await client.GetModelAsync(new GetModelRequest { Name = "random-llama+second" }, tenant);
        Assert.Equal(("random-llama", "llama-server", true), (second.BaseModel, second.Backend, second.FineTuned));
        Assert.Equal(["random-llama+first", "random-llama+second"], Names(await client.ListModelsAsync(new ListModelsRequest(), tenant)));

        // The registry goes down: an unknown name is NOT_FOUND after one more try, and the last list stands.
        await registry.DisposeAsync();
        await RpcAssert.FailsAsync(StatusCode.NotFound,
            () => client.GetModelAsync(new GetModelRequest { Name = "random-llama+third" }, tenant).ResponseAsync);
        Assert.Equal(["random-llama+first", "random-llama+second"], Names(await client.ListModelsAsync(new ListModelsRequest(), tenant)));
        Assert.Equal("random-llama+first", (await client.GetModelAsync(new GetModelRequest { Name = "random-llama+first" }, tenant)).Name);
        var health = await http.GetAsync("/health");
        Assert.Equal(("Degraded", HttpStatusCode.OK), (await health.Content.ReadAsStringAsync(), health.StatusCode)); // still takes traffic
    }

    [Fact]
    public async Task A_registered_remote_model_answers_at_its_endpoint_with_its_remote_id()
    {
        // A server that answers as OpenAI's chat API does, so the request the remote model receives can be read.
        await using var hosted = await ScriptedHttpServer.StartAsync(OpenAIChatReplies.Stream(["Bed 7", " [1]."]), OpenAIChatReplies.Stream(["Bed 9."]));
        await ChatModelRegistration.RegisterRemoteAsync(fineTuning, Tenant, "hosted-base", "support", new Uri(hosted.Address, "v1/"),
            "ft:hosted-base:support:7", DateTime.UtcNow);
        // Another tenant's model of the same name at the same endpoint is another model.
        await ChatModelRegistration.RegisterRemoteAsync(fineTuning, "other-tenant", "hosted-base", "support", new Uri(hosted.Address, "v1/"),
            "ft:hosted-base:support:other", DateTime.UtcNow);
        await using var registry = await ServiceHost.StartAsync(b => b.AddFineTuningService(), a => a.MapFineTuningService(),
            new Dictionary<string, string?> { ["FineTuning:DataDirectory"] = fineTuning });
        await using var generation = await ServiceHost.StartAsync(b => b.AddGenerationService(), a => a.MapGenerationService(),
            new Dictionary<string, string?> { ["services:finetuning:http:0"] = registry.Address.ToString() });
        var client = new GenerationService.GenerationServiceClient(generation.Channel);
        var tenant = ServiceHost.Tenant(Tenant);

        var model = await client.GetModelAsync(new GetModelRequest { Name = "hosted-base+support" }, tenant);
        Assert.Equal(("openai-compatible", "ft:hosted-base:support:7"), (model.Backend, model.Artifact));
        var answer = await client.GenerateAsync(new GenerateRequest
        {
            Question = "Which bed holds the tomatoes?", Model = "hosted-base+support",
            Passages = { new Passage { Id = "garden/garden.md/0", DocumentId = "garden.md", Text = "Bed 7 holds the tomatoes." } },
        }, tenant);
        Assert.Equal(("hosted-base+support", "Bed 7 [1]."), (answer.Model, answer.Answer));
        var call = Assert.Single(hosted.Requests);
        Assert.Equal("/v1/chat/completions", call.PathAndQuery);
        Assert.Equal("ft:hosted-base:support:7", System.Text.Json.JsonDocument.Parse(call.Body).RootElement.GetProperty("model").GetString());

        await client.GenerateAsync(new GenerateRequest { Question = "Which bed?", Model = "hosted-base+support" }, ServiceHost.Tenant("other-tenant"));
        Assert.Equal("ft:hosted-base:support:other", System.Text.Json.JsonDocument.Parse(hosted.Requests[1].Body).RootElement.GetProperty("model").GetString());
    }
}
