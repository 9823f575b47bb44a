using Microsoft.Extensions.Options;
using RagPlatform.Contracts.Common.V1;
using RagPlatform.Contracts.Generation.V1;
using RagPlatform.Generation.Extractive;
using RagPlatform.Generation.Models;
using RagPlatform.ServiceDefaults.Errors;
using RagPlatform.Text;

namespace RagPlatform.Generation.Core;

/// <summary>Validates a Generate request and answers it with the chosen model: extractive, or a chat model.</summary>
public sealed class AnswerEngine(IOptions<GenerationOptions> options, ModelCatalog catalog, GenerativeAnswerer generative)
{
    public const string ExtractivePromptVersion = "extractive-1";

    public async ValueTask<IReadOnlyList<Model>> ListModelsAsync(CancellationToken cancellationToken) =>
        [.. (await catalog.ListAsync(cancellationToken)).Select(m => m.Info)];

    public async ValueTask<Model> GetModelAsync(string name, CancellationToken cancellationToken)
    {
        Require.NotBlank(name, "name");
        return (await catalog.GetAsync(name, cancellationToken)).Info;
    }

    /// <summary>
    /// The answer, with each piece of text passed to <paramref name="onDelta"/> as it is written
    /// (an extractive answer is written whole, so it arrives in one piece).
    /// </summary>
    public async Task<GenerateResponse> GenerateAsync(GenerateRequest request, Func<string, ValueTask>? onDelta, CancellationToken cancellationToken)
    {
        var limits = options.Value;
        Require.NotBlank(request.Question, "question");
        Require.MaxLength(request.Question, limits.MaxQuestionCharacters, "question");
        Require.Count(request.Passages.Count, 0, limits.MaxPassages, "passages");
        for (int i = 0; i < request.Passages.Count; i++)
            ValidateSpans(request.Passages[i], $"passages[{i}]");
        var model = await catalog.GetAsync(string.IsNullOrEmpty(request.Model) ? limits.DefaultModel : request.Model, cancellationToken);

        var response = model.IsExtractive
            ? AnswerExtractively(request, model, limits.Extractive)
            : await generative.AnswerAsync(request, model, onDelta, cancellationToken);
        GenerationTelemetry.Answers.Add(1, new KeyValuePair<string, object?>("gen_ai.request.model", model.Name));
        return response;
    }

    private static GenerateResponse AnswerExtractively(GenerateRequest request, ChatModel model, ExtractiveSettings settings)
    {
        using var activity = GenerationTelemetry.Source.StartActivity("chat " + model.Name);
        activity?.SetTag("gen_ai.operation.name", "chat");
        activity?.SetTag("gen_ai.request.model", model.Name);
        activity?.SetTag("ragplatform.generation.passages", request.Passages.Count);

        // Sentence vectors came from ingest and the question's vectors from retrieval: nothing is embedded here.
        var passages = request.Passages
            .Select((p, i) => new AnswerPassage(p.Text, p.Sentences.Select(s => new TextSpan((int)s.Start, (int)s.End)).ToList(), p.Score,
                SentenceSimilarity.Of(p, request.QueryEmbeddings, $"passages[{i}]")))
            .ToList();
        activity?.SetTag("ragplatform.generation.sentence_vectors", passages.Count(p => p.Similarities is not null));
        var answer = ExtractiveAnswerer.Answer(request.Question, passages, settings);
        var response = new GenerateResponse
        {
            Answer = answer.Text,
            Model = model.Name,
            Kind = AnswerKind.Extractive,
            FinishReason = answer.Found ? FinishReason.Stop : FinishReason.NoAnswer,
            PromptVersion = ExtractivePromptVersion,
            Usage = new Usage(),
        };
        foreach (var quote in answer.Quotes)
        {
            response.Citations.Add(new AnswerCitation
            {
                PassageNumber = (uint)quote.Passage + 1,
                PassageId = request.Passages[quote.Passage].Id,
                Span = new Span { Start = (uint)quote.Span.Start, End = (uint)quote.Span.End },
                AnswerSpan = new Span { Start = (uint)quote.AnswerSpan.Start, End = (uint)quote.AnswerSpan.End },
            });
        }
        activity?.SetTag("ragplatform.generation.citations", response.Citations.Count);
        return response;
    }

    private static void ValidateSpans(Passage passage, string field)
    {
        for (int s = 0; s < passage.Sentences.Count; s++)
        {
            var span = passage.Sentences[s];
            Require.That(span.Start < span.End && span.End <= passage.Text.Length, $"{field}.sentences[{s}]",
                $"[{span.Start}, {span.End}) is not a range within the passage's {passage.Text.Length} characters");
        }
        if (passage.SentenceVectors is { } vectors)
            Require.That(vectors.Values.Length == (long)passage.Sentences.Count * vectors.Dimension * sizeof(ushort), $"{field}.sentence_vectors.values",
                $"holds {vectors.Values.Length} bytes; {passage.Sentences.Count} sentences of {vectors.Dimension} half floats need {(long)passage.Sentences.Count * vectors.Dimension * sizeof(ushort)}");
    }
}
