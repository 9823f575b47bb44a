namespace RagPlatform.Tests.Infrastructure;

/// <summary>
/// One llama-server shared by the tests of a class (xunit IClassFixture), started with the
/// arguments the subclass names: embedding, chat and fine-tuning tests each declare their own.
/// </summary>
public abstract class LlamaServerFixture : IAsyncLifetime
{
    private LlamaServer? server;

    /// <summary>llama-server's arguments beyond the model, host and port.</summary>
    protected abstract IReadOnlyList<string> Arguments { get; }

    public LlamaServer Server => server ?? throw new InvalidOperationException("llama-server has not started");

    public async Task InitializeAsync() => server = await LlamaServer.StartAsync(Arguments);

    public async Task DisposeAsync()
    {
        if (server is not null)
            await server.DisposeAsync();
    }
}

/// <summary>
/// llama-server answering OpenAI's /v1/embeddings: mean pooling (without it OpenAI-style requests
/// are refused) and one slot. With several slots, this build's vector for a text shifts with what
/// else shares its batch (by up to 0.16 a component with three texts); with one, it never does.
/// </summary>
public sealed class LlamaEmbeddingServerFixture : LlamaServerFixture
{
    public static readonly IReadOnlyList<string> EmbeddingArguments = ["--embedding", "--pooling", "mean", "--parallel", "1"];

    protected override IReadOnlyList<string> Arguments => EmbeddingArguments;
}

/// <summary>
/// llama-server answering OpenAI's /v1/chat/completions: one slot with the random model's whole
/// 256-token window, end-of-sequence ignored and the context shifted when full, so that random
/// weights write exactly as many tokens as asked for, however many.
/// </summary>
public sealed class LlamaChatServerFixture : LlamaServerFixture
{
    public const int ContextTokens = 256;
    public static readonly IReadOnlyList<string> ChatArguments =
        ["--ctx-size", ContextTokens.ToString(), "--parallel", "1", "--ignore-eos", "--context-shift"];

    protected override IReadOnlyList<string> Arguments => ChatArguments;
}
