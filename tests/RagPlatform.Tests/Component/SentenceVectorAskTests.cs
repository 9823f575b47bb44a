using System.Collections.Concurrent;
using Google.Protobuf;
using Grpc.AspNetCore.Server;
using Grpc.Core;
using Grpc.Core.Interceptors;
using Microsoft.Extensions.DependencyInjection;
using RagPlatform.Contracts.Embedding.V1;
using RagPlatform.Contracts.Generation.V1;
using RagPlatform.Contracts.Query.V1;
using RagPlatform.Contracts.Vectors.V1;
using RagPlatform.QueryRouter.Ingestion;
using RagPlatform.Tests.Infrastructure;

namespace RagPlatform.Tests.Component;

/// <summary>
/// Sentence vectors through the standalone composition: written into each chunk at ingest with the
/// source's model, and at Ask handed to Generation with the question's vector, no sentence embedded.
/// </summary>
public sealed class SentenceVectorAskTests : IAsyncLifetime
{
    /// <summary>Keeps every Embed and Generate request the services receive.</summary>
    private sealed class RequestRecorder : Interceptor
    {
        public readonly ConcurrentQueue<EmbedRequest> Embeds = new();
        public readonly ConcurrentQueue<GenerateRequest> Generates = new();

        public override Task<TResponse> UnaryServerHandler<TRequest, TResponse>(TRequest request, ServerCallContext context,
            UnaryServerMethod<TRequest, TResponse> continuation)
        {
            if (request is EmbedRequest embed) Embeds.Enqueue(embed.Clone());
            if (request is GenerateRequest generate) Generates.Enqueue(generate.Clone());
            return continuation(request, context);
        }
    }

    private const string Tenant = "sentences";
    private const string Reactor =
        "# Reactor\n\nThe reactor was cooled by river water. Operators shut the reactor down after the storm flooded its pumps. " +
        "It has not run since.";

    private readonly RequestRecorder recorder = new();
    private ScriptedHttpServer writer = null!;
    private ServiceHost host = null!;
    private QueryRouterService.QueryRouterServiceClient router = null!;

    public async Task InitializeAsync()
    {
        // A chat model that writes its answers, beside the extractive default.
        writer = await ScriptedHttpServer.StartAsync((_, _) => OpenAIChatReplies.Stream(["The pumps flooded [1]."]));
        host = await ServiceHost.StartStandaloneAsync(new Dictionary<string, string?>
        {
            ["Generation:Models:writer:Provider"] = "openai-compatible",
            ["Generation:Models:writer:Endpoint"] = new Uri(writer.Address, "v1/").ToString(),
            ["Generation:Models:writer:Model"] = "writer-model",
        }, configure: b =>
        {
            b.Services.AddSingleton(recorder);
            b.Services.Configure<GrpcServiceOptions>(o => o.Interceptors.Add<RequestRecorder>());
        });
        router = new QueryRouterService.QueryRouterServiceClient(host.Channel);
        using var ingest = router.Ingest(ServiceHost.Tenant(Tenant));
        await ingest.RequestStream.WriteAsync(new IngestRequest
        {
            DocumentId = "reactor.md", ContentType = "text/markdown", Content = ByteString.CopyFromUtf8(Reactor),
        });
        await ingest.RequestStream.CompleteAsync();
        Assert.Equal(DocumentStatus.Indexed, Assert.Single((await ingest).Results).Status);
    }

    public async Task DisposeAsync()
    {
        await host.DisposeAsync();
        await writer.DisposeAsync();
    }

    [Fact]
    public async Task A_generative_base_model_is_sent_neither_sentence_vectors_nor_the_question_vectors()
    {
        recorder.Generates.Clear();
        var answer = await router.AskAsync(new AskRequest
        {
            Question = "Why was the reactor stopped?", Strategy = Strategy.Rag, GenerationModel = "writer", Cache = CachePolicy.Bypass,
        }, ServiceHost.Tenant(Tenant));

        Assert.False(answer.Extractive);
        var generate = Assert.Single(recorder.Generates);
        Assert.Equal("writer", generate.Model);
        var passage = Assert.Single(generate.Passages);
        Assert.Null(passage.SentenceVectors);
        Assert.Empty(generate.QueryEmbeddings);
        Assert.Single(writer.Requests);
    }

    [Fact]
    public async Task Sentences_are_embedded_at_ingest_and_reused_at_ask_without_a_model_call()
    {
        // Ingest embedded the three sentences, once each, as documents, with the source's model.
        var sentences = recorder.Embeds.Where(e => e.Texts.Count > 0 && e.Texts.All(t => !t.Contains('#'))
            && e.Texts.Contains("It has not run since.")).ToList();
        var sentenceCall = Assert.Single(sentences);
        Assert.Equal(3, sentenceCall.Texts.Count);
        Assert.Equal(InputType.Document, sentenceCall.InputType);

        // The stored chunk carries one vector per sentence.
        var vectors = new VectorSearchService.VectorSearchServiceClient(host.Channel);
        var stored = await vectors.ScrollAsync(new ScrollRequest { Collection = "src-default", Limit = 10, WithPayload = true }, ServiceHost.Tenant(Tenant));
        var chunk = Assert.Single(stored.Points);
        var fromPayload = SentenceVectorPayload.Read(chunk.Payload);
        Assert.NotNull(fromPayload);
        int sentenceCount = ChunkPayload.GetSentences(chunk.Payload).Count;
        Assert.Equal(3, sentenceCount);
        Assert.Equal(sentenceCount * (int)fromPayload.Dimension * 2, fromPayload.Values.Length);

        recorder.Embeds.Clear();
        recorder.Generates.Clear();
        var answer = await router.AskAsync(new AskRequest { Question = "Why was the reactor stopped?", Cache = CachePolicy.Bypass },
            ServiceHost.Tenant(Tenant));

        // One model call at Ask: the question's own; every sentence vector came from the store.
        var embed = Assert.Single(recorder.Embeds);
        Assert.Equal(["Why was the reactor stopped?"], embed.Texts);
        var generate = Assert.Single(recorder.Generates);
        var passage = Assert.Single(generate.Passages);
        Assert.Equal(fromPayload, passage.SentenceVectors);
        var query = Assert.Single(generate.QueryEmbeddings);
        Assert.Equal(fromPayload.EmbeddingSpace, query.EmbeddingSpace);
        Assert.Equal((int)fromPayload.Dimension, query.Dense.Count);

        Assert.True(answer.Extractive);
        var citation = Assert.Single(answer.Citations);
        Assert.Equal("reactor.md", citation.DocumentId);
        Assert.Equal(citation.Text, Reactor[(int)citation.StartChar..(int)citation.EndChar]);
    }
}
