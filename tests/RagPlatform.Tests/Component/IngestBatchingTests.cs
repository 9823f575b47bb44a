using System.Collections.Concurrent;
using Google.Protobuf;
using Grpc.AspNetCore.Server;
using Grpc.Core;
using Grpc.Core.Interceptors;
using Microsoft.Extensions.DependencyInjection;
using RagPlatform.Contracts.Embedding.V1;
using RagPlatform.Contracts.Query.V1;
using RagPlatform.Contracts.Vectors.V1;
using RagPlatform.QueryRouter.Ingestion;
using RagPlatform.Tests.Infrastructure;

namespace RagPlatform.Tests.Component;

/// <summary>
/// One Ingest stream's documents share Embed calls: no text is embedded twice, and a document whose
/// texts the Embedding service refuses fails alone even when its texts travelled with others'.
/// </summary>
public sealed class IngestBatchingTests : IAsyncLifetime
{
    private const string Poison = "POISON";

    /// <summary>Keeps every Embed request and refuses any that holds the poison word, as the service refuses a bad text.</summary>
    private sealed class PoisonRefuser : Interceptor
    {
        public readonly ConcurrentQueue<EmbedRequest> Embeds = new();

        public override Task<TResponse> UnaryServerHandler<TRequest, TResponse>(TRequest request, ServerCallContext context,
            UnaryServerMethod<TRequest, TResponse> continuation)
        {
            if (request is EmbedRequest embed)
            {
                Embeds.Enqueue(embed.Clone());
                if (embed.Texts.Any(t => t.Contains(Poison)))
                    throw new RpcException(new Status(StatusCode.InvalidArgument, "texts: refused"));
            }
            return continuation(request, context);
        }
    }

    private const string Tenant = "batching";
    private readonly PoisonRefuser refuser = new();
    private ServiceHost host = null!;
    private QueryRouterService.QueryRouterServiceClient router = null!;

    public async Task InitializeAsync()
    {
        host = await ServiceHost.StartStandaloneAsync(configure: b =>
        {
            b.Services.AddSingleton(refuser);
            b.Services.Configure<GrpcServiceOptions>(o => o.Interceptors.Add<PoisonRefuser>());
        });
        router = new QueryRouterService.QueryRouterServiceClient(host.Channel);
    }

    public async Task DisposeAsync() => await host.DisposeAsync();

    private static IngestRequest Document(int i, string text) => new()
    {
        DocumentId = $"doc-{i:D2}.txt", ContentType = "text/plain", Content = ByteString.CopyFromUtf8(text),
    };

    private async Task<IngestResponse> IngestAsync(IEnumerable<IngestRequest> documents)
    {
        using var ingest = router.Ingest(ServiceHost.Tenant(Tenant));
        foreach (var document in documents) await ingest.RequestStream.WriteAsync(document);
        await ingest.RequestStream.CompleteAsync();
        return await ingest;
    }

    [Fact]
    public async Task A_document_whose_texts_are_refused_fails_alone_and_the_stream_goes_on()
    {
        const int Documents = 24;
        const int Bad = 11;
        var response = await IngestAsync(Enumerable.Range(0, Documents).Select(i => Document(i,
            $"Sample {i} was heated in the furnace. Its mass fell by {i} percent. " +
            (i == Bad ? $"The {Poison} reading was discarded." : $"The reading number {i} was kept."))));

        Assert.Equal(Enumerable.Range(0, Documents).Select(i => (uint)i), response.Results.Select(r => r.Index));
        var failed = Assert.Single(response.Results, r => r.Status == DocumentStatus.Failed);
        Assert.Equal((uint)Bad, failed.Index);
        Assert.Equal((int)StatusCode.InvalidArgument, failed.Error.Code);
        Assert.Equal((uint)Documents - 1, response.Indexed);

        var vectors = new VectorSearchService.VectorSearchServiceClient(host.Channel);
        var stored = await vectors.ScrollAsync(new ScrollRequest { Collection = "src-default", Limit = 1000, WithPayload = true },
            ServiceHost.Tenant(Tenant));
        var documents = stored.Points.Select(p => ChunkPayload.GetString(p.Payload, ChunkPayload.DocumentId)).ToHashSet();
        Assert.Equal(Documents - 1, documents.Count);
        Assert.DoesNotContain($"doc-{Bad:D2}.txt", documents);
        Assert.All(stored.Points, p => Assert.NotNull(SentenceVectorPayload.Read(p.Payload)));
    }

    [Fact]
    public async Task No_text_of_a_stream_is_embedded_twice_and_a_one_sentence_chunk_lends_its_vector_to_its_sentence()
    {
        var response = await IngestAsync([
            Document(0, "A lone sentence makes a chunk of its own."),
            Document(1, "The pump failed at noon. The crew replaced it by evening. Nothing else broke."),
        ]);
        Assert.Equal(2u, response.Indexed);

        var texts = refuser.Embeds.SelectMany(e => e.Texts).ToList();
        Assert.Equal(texts.Distinct().Count(), texts.Count);
        Assert.Single(texts, t => t == "A lone sentence makes a chunk of its own.");

        var vectors = new VectorSearchService.VectorSearchServiceClient(host.Channel);
        var stored = await vectors.ScrollAsync(new ScrollRequest { Collection = "src-default", Limit = 10, WithPayload = true, WithVectors = true },
            ServiceHost.Tenant(Tenant));
        var lone = Assert.Single(stored.Points, p => ChunkPayload.GetString(p.Payload, ChunkPayload.DocumentId) == "doc-00.txt");
        var sentence = SentenceVectorPayload.Read(lone.Payload)!;
        Assert.Equal(lone.Dense.Count, (int)sentence.Dimension);
        var halves = sentence.Values.Span;
        for (int d = 0; d < lone.Dense.Count; d++)
            Assert.Equal((float)(Half)lone.Dense[d], (float)System.Buffers.Binary.BinaryPrimitives.ReadHalfLittleEndian(halves[(d * 2)..]));
    }
}
