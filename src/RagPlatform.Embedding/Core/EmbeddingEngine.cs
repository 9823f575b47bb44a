using Microsoft.Extensions.Options;
using RagPlatform.Contracts.Common.V1;
using RagPlatform.Contracts.Embedding.V1;
using RagPlatform.Embedding.Encoders;
using RagPlatform.Embedding.Sparse;
using RagPlatform.ServiceDefaults.Errors;

namespace RagPlatform.Embedding.Core;

/// <summary>Validates an Embed request and produces its dense and sparse vectors.</summary>
public sealed class EmbeddingEngine(EncoderCatalog catalog, DenseVectors denseVectors, IOptions<EmbeddingOptions> options)
{
    public async Task<EmbedResponse> EmbedAsync(EmbedRequest request, CancellationToken cancellationToken)
    {
        var limits = options.Value;
        Require.Count(request.Texts.Count, 1, limits.MaxTextsPerRequest, "texts");
        for (int i = 0; i < request.Texts.Count; i++)
            Require.MaxLength(request.Texts[i], limits.MaxCharactersPerText, $"texts[{i}]");
        Require.That(request.InputType != InputType.Unspecified, "input_type", "must be INPUT_TYPE_QUERY or INPUT_TYPE_DOCUMENT");
        var sparseParameters = request.SparseParameters ?? new SparseParameters();
        Require.That(sparseParameters.AverageDocumentLength >= 0, "sparse_parameters.average_document_length", "must not be negative");
        Require.That(sparseParameters.K1 >= 0, "sparse_parameters.k1", "must not be negative");
        Require.That(sparseParameters.B <= 1, "sparse_parameters.b", "must be at most 1");

        var encoder = catalog.Get(request.Model);
        bool wantDense = request.Dense || !request.Sparse;
        bool wantSparse = request.Sparse || !request.Dense;
        bool isQuery = request.InputType == InputType.Query;

        using var activity = EmbeddingTelemetry.Source.StartActivity("embed " + encoder.Name);
        activity?.SetTag("gen_ai.operation.name", "embeddings");
        activity?.SetTag("gen_ai.request.model", encoder.Name);
        activity?.SetTag("ragplatform.embedding.texts", request.Texts.Count);

        var response = new EmbedResponse
        {
            Model = encoder.Name,
            EmbeddingSpace = encoder.EmbeddingSpace,
            Dimension = (uint)encoder.Dimension,
            Usage = new Usage(),
        };
        IReadOnlyList<Encoders.DenseResult>? dense = null;
        if (wantDense)
        {
            (dense, int hits) = await denseVectors.GetAsync(encoder, request.Texts, isQuery, cancellationToken);
            response.CacheHits = (uint)hits;
        }
        double averageLength = isQuery ? 0 : ResolveAverageLength(request, sparseParameters, wantSparse);
        float k1 = sparseParameters.K1 > 0 ? sparseParameters.K1 : SparseEncoder.DefaultK1;
        float b = sparseParameters.B switch { 0 => SparseEncoder.DefaultB, < 0 => 0, var value => value };

        uint tokens = 0;
        for (int i = 0; i < request.Texts.Count; i++)
        {
            var embedding = new Contracts.Embedding.V1.Embedding();
            if (dense is not null)
            {
                embedding.Dense.Add(dense[i].Vector);
                embedding.TokenCount = (uint)dense[i].TokenCount;
                embedding.Truncated = dense[i].Truncated;
            }
            if (wantSparse)
            {
                var sparse = isQuery
                    ? SparseEncoder.EncodeQuery(request.Texts[i])
                    : SparseEncoder.EncodeDocument(request.Texts[i], averageLength, k1, b);
                embedding.Sparse = new SparseVector { Indices = { sparse.Indices }, Values = { sparse.Values } };
                embedding.SparseLength = (uint)sparse.Length;
                if (dense is null) embedding.TokenCount = (uint)sparse.Length;
            }
            tokens += embedding.TokenCount;
            response.Embeddings.Add(embedding);
        }
        response.Usage.PromptTokens = tokens;
        response.Usage.TotalTokens = tokens;
        EmbeddingTelemetry.Texts.Add(request.Texts.Count);
        EmbeddingTelemetry.BatchSize.Record(request.Texts.Count);
        return response;
    }

    /// <summary>Each text's tokens as the model cuts them, under the same request limits as Embed.</summary>
    public CountTokensResponse CountTokens(CountTokensRequest request)
    {
        var limits = options.Value;
        Require.Count(request.Texts.Count, 1, limits.MaxTextsPerRequest, "texts");
        for (int i = 0; i < request.Texts.Count; i++)
            Require.MaxLength(request.Texts[i], limits.MaxCharactersPerText, $"texts[{i}]");
        var encoder = catalog.Get(request.Model);
        var response = new CountTokensResponse { Model = encoder.Name, MaxTokens = (uint)encoder.MaxTokens };
        foreach (var text in request.Texts)
            response.TokenCounts.Add((uint)encoder.CountTokens(text));
        return response;
    }

    public Model Describe(IDenseEncoder encoder) => new()
    {
        Name = encoder.Name,
        Kind = ModelKind.Retrieval,
        Backend = encoder.Backend,
        EmbeddingSpace = encoder.EmbeddingSpace,
        Dimension = (uint)encoder.Dimension,
        MaxTokens = (uint)encoder.MaxTokens,
        // Every encoder served here returns unit vectors (remote ones are normalised on arrival).
        Normalized = true,
    };

    /// <summary>The collection's average when the caller knows it, else this batch's own.</summary>
    private static double ResolveAverageLength(EmbedRequest request, SparseParameters parameters, bool wantSparse)
    {
        if (!wantSparse || parameters.AverageDocumentLength > 0)
            return parameters.AverageDocumentLength;
        double total = 0;
        foreach (var text in request.Texts) total += SparseEncoder.Length(text);
        return total / request.Texts.Count;
    }
}
