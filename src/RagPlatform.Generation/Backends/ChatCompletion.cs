namespace RagPlatform.Generation.Backends;

/// <summary>What a finished model call gave besides its text: token counts (when the provider reports them) and why it stopped.</summary>
public sealed record ChatCompletion(int? PromptTokens, int? CompletionTokens, string? FinishReason, TimeSpan TimeToFirstToken, int Attempts);

/// <summary>One model call: the prompt, the answer's token allowance and sampling settings.</summary>
public sealed record ChatCall(IReadOnlyList<Prompting.PromptMessage> Messages, int MaxTokens, float? Temperature, float? TopP, long? Seed);
