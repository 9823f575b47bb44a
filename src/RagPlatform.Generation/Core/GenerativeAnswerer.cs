using System.Diagnostics;
using System.Text;
using Google.Protobuf.WellKnownTypes;
using RagPlatform.Contracts.Common.V1;
using RagPlatform.Contracts.Generation.V1;
using RagPlatform.Generation.Backends;
using RagPlatform.Generation.Local;
using RagPlatform.Generation.Models;
using RagPlatform.Generation.Prompting;

namespace RagPlatform.Generation.Core;

/// <summary>
/// Answers with a chat model: the grounded prompt fitted to the model's context window, the
/// answer streamed to <c>onDelta</c> as it comes, then its [n] markers read back into citations.
/// Usage and time to first token go on the response, the span (GenAI conventions) and metrics.
/// </summary>
public sealed class GenerativeAnswerer(ChatModelCaller caller, LocalModelHost localModels)
{
    public async Task<GenerateResponse> AnswerAsync(GenerateRequest request, ChatModel model, Func<string, ValueTask>? onDelta,
        CancellationToken cancellationToken)
    {
        var options = model.Connection!;
        int answerTokens = request.Parameters?.MaxTokens is > 0 and var asked
            ? (int)Math.Min(asked, (uint)(options.ContextTokens / 2))
            : options.MaxOutputTokens;
        var plan = GroundedPrompt.Build(request.Question, request.Passages, request.History, options.ContextTokens, answerTokens, options.CharactersPerToken);

        using var activity = GenerationTelemetry.Source.StartActivity("chat " + model.Name, ActivityKind.Client);
        TagRequest(activity, model, options, request, answerTokens, plan);

        // One server per name and file: tenants may each register a fine-tuned model of the same name.
        using var lease = options.Provider == ChatProviders.LocalGguf
            ? await localModels.AcquireAsync($"{model.Name}@{options.ModelPath}", options, cancellationToken)
            : null;
        var call = new ChatCall(plan.Messages, answerTokens, request.Parameters?.Temperature, request.Parameters?.TopP,
            request.Parameters is { HasSeed: true } p ? p.Seed : null);
        var answer = new StringBuilder();
        var clock = Stopwatch.StartNew();
        ChatCompletion completion;
        try
        {
            completion = await caller.StreamAsync(model.Name, options, lease?.Endpoint, call, async text =>
            {
                answer.Append(text);
                if (onDelta is not null)
                    await onDelta(text);
            }, cancellationToken);
        }
        catch (Exception error)
        {
            activity?.SetStatus(ActivityStatusCode.Error, error.Message);
            activity?.SetTag("error.type", error is OperationCanceledException ? "cancelled" : error.GetType().Name);
            throw;
        }
        var duration = clock.Elapsed;

        var response = BuildResponse(request, model, plan, answer.ToString(), completion);
        TagResponse(activity, model, options, response, completion, duration);
        return response;
    }

    private static GenerateResponse BuildResponse(GenerateRequest request, ChatModel model, PromptPlan plan, string answer, ChatCompletion completion)
    {
        var shown = plan.Shown.ToDictionary(s => s.Number);
        var parsed = CitationParser.Parse(answer, shown.Keys.ToHashSet());
        var response = new GenerateResponse
        {
            Answer = answer,
            Model = model.Name,
            Kind = AnswerKind.Generative,
            FinishReason = completion.FinishReason switch
            {
                "Length" or "length" => FinishReason.Length,
                _ => FinishReason.Stop,
            },
            Usage = new Usage
            {
                PromptTokens = (uint)(completion.PromptTokens ?? 0),
                CompletionTokens = (uint)(completion.CompletionTokens ?? 0),
                TotalTokens = (uint)((completion.PromptTokens ?? 0) + (completion.CompletionTokens ?? 0)),
            },
            DroppedCitations = (uint)parsed.Dropped,
            TrimmedPassages = (uint)plan.TrimmedPassages,
            PromptVersion = GroundedPrompt.Version,
            TimeToFirstToken = Duration.FromTimeSpan(completion.TimeToFirstToken),
        };
        foreach (var citation in parsed.Citations)
        {
            var passage = request.Passages[citation.PassageNumber - 1];
            response.Citations.Add(new AnswerCitation
            {
                PassageNumber = (uint)citation.PassageNumber,
                PassageId = passage.Id,
                // A model cites a passage, not a sentence of it: the span is what the prompt showed.
                Span = new Span { Start = 0, End = (uint)shown[citation.PassageNumber].ShownCharacters },
                AnswerSpan = new Span { Start = (uint)citation.ClaimStart, End = (uint)citation.ClaimEnd },
            });
        }
        return response;
    }

    private static void TagRequest(Activity? activity, ChatModel model, ChatModelOptions options, GenerateRequest request, int answerTokens, PromptPlan plan)
    {
        if (activity is null) return;
        activity.SetTag("gen_ai.operation.name", "chat");
        activity.SetTag("gen_ai.provider.name", ProviderName(options.Provider));
        activity.SetTag("gen_ai.system", ProviderName(options.Provider));
        activity.SetTag("gen_ai.request.model", model.Name);
        activity.SetTag("gen_ai.request.max_tokens", answerTokens);
        if (request.Parameters?.Temperature is { } temperature) activity.SetTag("gen_ai.request.temperature", temperature);
        if (request.Parameters?.TopP is { } topP) activity.SetTag("gen_ai.request.top_p", topP);
        if (options.Endpoint is { } endpoint)
        {
            activity.SetTag("server.address", endpoint.Host);
            activity.SetTag("server.port", endpoint.Port);
        }
        activity.SetTag("ragplatform.generation.prompt_version", GroundedPrompt.Version);
        activity.SetTag("ragplatform.generation.passages", request.Passages.Count);
        activity.SetTag("ragplatform.generation.passages_trimmed", plan.TrimmedPassages);
        activity.SetTag("ragplatform.generation.prompt_tokens_estimated", plan.EstimatedTokens);
    }

    private static void TagResponse(Activity? activity, ChatModel model, ChatModelOptions options, GenerateResponse response,
        ChatCompletion completion, TimeSpan duration)
    {
        var metricTags = new TagList
        {
            { "gen_ai.operation.name", "chat" },
            { "gen_ai.provider.name", ProviderName(options.Provider) },
            { "gen_ai.request.model", model.Name },
        };
        GenerationTelemetry.OperationDuration.Record(duration.TotalSeconds, metricTags);
        GenerationTelemetry.TimeToFirstToken.Record(completion.TimeToFirstToken.TotalSeconds, metricTags);
        if (completion.PromptTokens is { } input)
            GenerationTelemetry.TokenUsage.Record(input, [.. metricTags, new("gen_ai.token.type", "input")]);
        if (completion.CompletionTokens is { } output)
            GenerationTelemetry.TokenUsage.Record(output, [.. metricTags, new("gen_ai.token.type", "output")]);
        if (response.DroppedCitations > 0)
            GenerationTelemetry.DroppedCitations.Add(response.DroppedCitations, new KeyValuePair<string, object?>("gen_ai.request.model", model.Name));
        if (response.TrimmedPassages > 0)
            GenerationTelemetry.TrimmedPassages.Add(response.TrimmedPassages, new KeyValuePair<string, object?>("gen_ai.request.model", model.Name));

        if (activity is null) return;
        if (completion.PromptTokens is { } prompt) activity.SetTag("gen_ai.usage.input_tokens", prompt);
        if (completion.CompletionTokens is { } answer) activity.SetTag("gen_ai.usage.output_tokens", answer);
        if (completion.FinishReason is { } finish) activity.SetTag("gen_ai.response.finish_reasons", new[] { finish.ToLowerInvariant() });
        activity.SetTag("ragplatform.generation.time_to_first_token_ms", completion.TimeToFirstToken.TotalMilliseconds);
        activity.SetTag("ragplatform.generation.attempts", completion.Attempts);
        activity.SetTag("ragplatform.generation.citations", response.Citations.Count);
        activity.SetTag("ragplatform.generation.citations_dropped", response.DroppedCitations);
    }

    /// <summary>The GenAI conventions' provider names: "openai", "azure.ai.openai"; a self-hosted server is named by what it speaks.</summary>
    private static string ProviderName(string provider) => provider switch
    {
        ChatProviders.AzureOpenAI => "azure.ai.openai",
        ChatProviders.LocalGguf => "llama.cpp",
        _ => "openai",
    };
}
