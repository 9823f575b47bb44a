using Grpc.Core;
using RagPlatform.Contracts.Generation.V1;
using RagPlatform.Generation.Extensions;
using RagPlatform.Tests.Infrastructure;

namespace RagPlatform.Tests.Component;

public sealed class GenerationServiceTests : IAsyncLifetime
{
    private ServiceHost host = null!;
    private GenerationService.GenerationServiceClient client = null!;

    public async Task InitializeAsync()
    {
        host = await ServiceHost.StartAsync(b => b.AddGenerationService(), a => a.MapGenerationService());
        client = new GenerationService.GenerationServiceClient(host.Channel);
    }

    public async Task DisposeAsync() => await host.DisposeAsync();

    private static GenerateRequest Request() => new()
    {
        Question = "Where has it been kept?",
        Passages =
        {
            new Passage { Id = "a#0", Text = "The stone was found in 1799." },
            new Passage { Id = "b#0", Text = "It is a granodiorite slab. It has been kept in the British Museum since 1802.", Sentences = { new Span { Start = 0, End = 26 }, new Span { Start = 27, End = 77 } } },
        },
    };

    [Fact]
    public async Task Answers_extractively_citing_the_passage_and_span()
    {
        var response = await client.GenerateAsync(Request());
        // A "where" question is answered with the place, its sentence cited as support.
        Assert.Equal("British Museum [2]", response.Answer);
        Assert.Equal(AnswerKind.Extractive, response.Kind);
        Assert.Equal(FinishReason.Stop, response.FinishReason);
        var citation = Assert.Single(response.Citations);
        Assert.Equal(2u, citation.PassageNumber);
        Assert.Equal("b#0", citation.PassageId);
        Assert.Equal((27u, 77u), (citation.Span.Start, citation.Span.End));
    }

    [Fact]
    public async Task Streams_deltas_that_add_up_to_the_final_answer()
    {
        using var call = client.GenerateStream(Request());
        var deltas = new List<string>();
        GenerateResponse? final = null;
        await foreach (var update in call.ResponseStream.ReadAllAsync())
        {
            if (update.EventCase == GenerateStreamEvent.EventOneofCase.Delta) deltas.Add(update.Delta);
            else final = update.Final;
        }
        Assert.NotNull(final);
        Assert.NotEmpty(deltas);
        Assert.Equal(final.Answer, string.Concat(deltas));
    }

    [Fact]
    public async Task Bad_input_and_unknown_models()
    {
        await RpcAssert.FailsAsync(StatusCode.InvalidArgument, () => client.GenerateAsync(new GenerateRequest { Question = " " }).ResponseAsync, "question");
        var request = Request();
        request.Model = "gpt-nothing";
        await RpcAssert.FailsAsync(StatusCode.NotFound, () => client.GenerateAsync(request).ResponseAsync);
        request = Request();
        request.Passages[1].Sentences.Add(new Span { Start = 70, End = 500 });
        await RpcAssert.FailsAsync(StatusCode.InvalidArgument, () => client.GenerateAsync(request).ResponseAsync, "passages[1].sentences[2]");
        request = Request();
        request.Passages[1].SentenceVectors = new SentenceVectors { Model = "m", EmbeddingSpace = "s", Dimension = 4, Values = Google.Protobuf.ByteString.CopyFrom(new byte[10]) };
        await RpcAssert.FailsAsync(StatusCode.InvalidArgument, () => client.GenerateAsync(request).ResponseAsync, "passages[1].sentence_vectors.values");
        Assert.Equal("extractive", Assert.Single((await client.ListModelsAsync(new ListModelsRequest())).Models).Name);
    }
}
