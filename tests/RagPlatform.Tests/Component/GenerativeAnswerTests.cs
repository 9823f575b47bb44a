using System.Text.Json;
using Grpc.Core;
using RagPlatform.Contracts.Generation.V1;
using RagPlatform.Generation.Extensions;
using RagPlatform.Tests.Infrastructure;
using static RagPlatform.Tests.Infrastructure.OpenAIChatReplies;

namespace RagPlatform.Tests.Component;

/// <summary>
/// A chat model's written answer, scripted word for word, through the real gRPC service: what the
/// prompt holds, and how the answer's [n] markers become citations of the passages given.
/// </summary>
public sealed class GenerativeAnswerTests
{
    private static GenerateRequest Request() => new()
    {
        Question = "Why do tides rise?",
        Model = "scripted",
        Passages =
        {
            new Passage { Id = "moon#0", Title = "Moon", Text = "The moon pulls the sea toward it." },
            new Passage { Id = "sun#0", Text = "The sun pulls too, less strongly." },
        },
    };

    private static async Task<(ServiceHost Host, GenerationService.GenerationServiceClient Client)> StartAsync(ScriptedHttpServer provider)
    {
        var host = await ServiceHost.StartAsync(b => b.AddGenerationService(), a => a.MapGenerationService(), new Dictionary<string, string?>
        {
            ["Generation:Models:scripted:Provider"] = "openai-compatible",
            ["Generation:Models:scripted:Endpoint"] = new Uri(provider.Address, "v1/").ToString(),
            ["Generation:Models:scripted:Model"] = "scripted-model",
            ["Generation:Models:scripted:ApiKey"] = "sk-secret-never-shown",
        });
        return (host, new GenerationService.GenerationServiceClient(host.Channel));
    }

    [Fact]
    public async Task Markers_become_citations_of_the_passages_given_and_made_up_ones_are_dropped()
    {
        await using var provider = await ScriptedHttpServer.StartAsync(Stream(["The moon pulls the sea [1].", " The sun", " helps [2][5]."]));
        var (host, client) = await StartAsync(provider);
        await using var _ = host;

        var response = await client.GenerateAsync(Request());

        Assert.Equal("The moon pulls the sea [1]. The sun helps [2][5].", response.Answer);
        Assert.Equal(AnswerKind.Generative, response.Kind);
        Assert.Equal(1u, response.DroppedCitations); // [5]: only two passages were given
        Assert.Equal([(1u, "moon#0", "The moon pulls the sea"), (2u, "sun#0", "The sun helps")],
            response.Citations.Select(c => (c.PassageNumber, c.PassageId, response.Answer[(int)c.AnswerSpan.Start..(int)c.AnswerSpan.End])));
        Assert.Equal((0u, 33u), (response.Citations[0].Span.Start, response.Citations[0].Span.End)); // the passage as shown
        Assert.Equal((11u, 3u, 14u), (response.Usage.PromptTokens, response.Usage.CompletionTokens, response.Usage.TotalTokens));
    }

    [Fact]
    public async Task The_prompt_numbers_the_passages_asks_for_citations_and_sends_the_key()
    {
        await using var provider = await ScriptedHttpServer.StartAsync(Stream(["ok"]));
        var (host, client) = await StartAsync(provider);
        await using var _ = host;

        await client.GenerateAsync(Request());

        var sent = Assert.Single(provider.Requests);
        Assert.Equal("/v1/chat/completions", sent.PathAndQuery);
        Assert.Equal("Bearer sk-secret-never-shown", sent.Headers["Authorization"]);
        using var body = JsonDocument.Parse(sent.Body);
        Assert.Equal("scripted-model", body.RootElement.GetProperty("model").GetString());
        var messages = body.RootElement.GetProperty("messages").EnumerateArray().ToList();
        Assert.Equal(["system", "user"], messages.Select(m => m.GetProperty("role").GetString()));
        Assert.Contains("[1]", messages[0].GetProperty("content").GetString());
        Assert.Equal("Passages:\n\n[1] Moon\nThe moon pulls the sea toward it.\n\n[2] The sun pulls too, less strongly.\n\nQuestion: Why do tides rise?",
            messages[1].GetProperty("content").GetString());
    }

    [Fact]
    public async Task The_stream_forwards_each_piece_then_the_final_answer()
    {
        await using var provider = await ScriptedHttpServer.StartAsync(Stream(["The moon", " pulls [1]."]));
        var (host, client) = await StartAsync(provider);
        await using var _ = host;

        using var call = client.GenerateStream(Request());
        var events = await call.ResponseStream.ReadAllAsync().ToListAsync();

        Assert.Equal(["The moon", " pulls [1]."], events.Where(e => e.EventCase == GenerateStreamEvent.EventOneofCase.Delta).Select(e => e.Delta));
        var final = events[^1].Final;
        Assert.Equal("The moon pulls [1].", final.Answer);
        Assert.Equal("moon#0", Assert.Single(final.Citations).PassageId);
    }

    [Fact]
    public async Task A_rate_limit_that_outlasts_the_retries_is_resource_exhausted_with_the_providers_words()
    {
        await using var provider = await ScriptedHttpServer.StartAsync(Error(429, "You exceeded your current quota", "insufficient_quota"));
        var (host, client) = await StartAsync(provider);
        await using var _ = host;

        var error = await RpcAssert.FailsAsync(StatusCode.ResourceExhausted, () => client.GenerateAsync(Request()).ResponseAsync);
        Assert.Contains("exceeded your current quota", error.Status.Detail);
        Assert.DoesNotContain("sk-secret", error.Status.Detail);
    }
}
