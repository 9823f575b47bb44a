using Grpc.Net.Client;
using RagPlatform.Contracts.Generation.V1;
using RagPlatform.Launcher;
using RagPlatform.Tests.Infrastructure;
using RagPlatform.Tests.Integration;

namespace RagPlatform.Tests.EndToEnd;

/// <summary>
/// A service killed outright (SIGKILL, an OOM kill) must not leave its helper processes running:
/// Generation's llama-server would keep its port and its model's memory with no one to stop it.
/// </summary>
[Collection(NonParallel.Name)]
public sealed class ChildProcessLifetimeTests : IAsyncLifetime
{
    private readonly string work = Path.Combine(Path.GetTempPath(), "ragplatform-children-" + Guid.NewGuid().ToString("N")[..8]);
    private ServiceProcess? generation;

    public Task InitializeAsync()
    {
        Directory.CreateDirectory(work);
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        if (generation is not null) await generation.DisposeAsync();
        try { Directory.Delete(work, recursive: true); } catch (IOException) { }
    }

    [Fact]
    public async Task A_llama_server_started_by_generation_ends_when_generation_is_killed()
    {
        var settings = LlamaChatModel.Local("local", "--parallel 1 --ignore-eos");
        var environment = settings.Where(s => s.Value is not null).ToDictionary(s => s.Key.Replace(":", "__"), s => s.Value!);
        environment["ASPNETCORE_URLS"] = "http://127.0.0.1:0";
        environment["DOTNET_ENVIRONMENT"] = "Production";
        environment["OTEL_SERVICE_NAME"] = "generation";
        var assembly = ServiceBuild.Locate(RepositoryRoot.Find(), "src/RagPlatform.Generation/RagPlatform.Generation.csproj", TestBuild.Configuration);
        generation = ServiceProcess.Start("generation", assembly, environment, Path.Combine(work, "generation.log"));
        using var channel = GrpcChannel.ForAddress(await generation.WaitReadyAsync(TimeSpan.FromSeconds(120)));

        // The first answer from the local model starts its llama-server, a child of Generation.
        var reply = await new GenerationService.GenerationServiceClient(channel).GenerateAsync(new GenerateRequest
        {
            Question = "Why do tides rise?",
            Model = "local",
            Passages = { new Passage { Id = "a#0", Text = "The moon pulls the sea." } },
            Parameters = new GenerationParameters { MaxTokens = 2 },
        }, deadline: DateTime.UtcNow.AddSeconds(120));
        Assert.Equal(2u, reply.Usage.CompletionTokens);
        int server = Assert.Single(ChildrenOf(generation.ProcessId), pid => ProcessTable.Command(pid) == "llama-server");

        ProcessTable.KillAlone(generation.ProcessId);

        var until = DateTime.UtcNow.AddSeconds(30);
        while (ProcessTable.IsAlive(server) && DateTime.UtcNow < until)
            await Task.Delay(50);
        bool outlived = ProcessTable.IsAlive(server);
        if (outlived) ProcessTable.KillAlone(server); // leave nothing behind for the tests that follow
        Assert.False(outlived, $"llama-server {server} outlived the Generation process that started it");
    }

    private static IEnumerable<int> ChildrenOf(int parent) => ProcessTable.All().Where(pid => ProcessTable.Parent(pid) == parent);
}
