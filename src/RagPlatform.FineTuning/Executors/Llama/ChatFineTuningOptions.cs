namespace RagPlatform.FineTuning.Executors.Llama;

/// <summary>
/// The GGUF chat models this service can fine-tune with llama.cpp, read from the "FineTuning" section:
/// <c>FineTuning:ChatBases:&lt;name&gt;:Artifact</c> and <c>FineTuning:LlamaBinDirectory</c>.
/// </summary>
public sealed class ChatFineTuningOptions
{
    /// <summary>Base chat models by name; relative paths are under the content root.</summary>
    public Dictionary<string, ChatBaseOptions> ChatBases { get; set; } = new(StringComparer.Ordinal);

    /// <summary>The folder holding llama-finetune and llama-perplexity (built from the same source as llama-server).</summary>
    public string? LlamaBinDirectory { get; set; }

    /// <summary>CPU threads each llama.cpp tool uses; 0 leaves llama.cpp's own choice.</summary>
    public int LlamaThreads { get; set; }

    /// <summary>Longest a generative job may train before it fails with DEADLINE_EXCEEDED.</summary>
    public TimeSpan LlamaJobTimeout { get; set; } = TimeSpan.FromHours(12);
}

/// <summary>One base chat model and its training defaults (each overridable per job where a hyperparameter exists).</summary>
public sealed class ChatBaseOptions
{
    /// <summary>The base GGUF file.</summary>
    public string Artifact { get; set; } = "";

    /// <summary>Tokens per training sequence and per perplexity window.</summary>
    public int ContextSize { get; set; } = 512;

    /// <summary>Learning rate when a job leaves it auto (llama-finetune's AdamW alpha).</summary>
    public double LearningRate { get; set; } = 1e-5;

    /// <summary>Epochs when a job leaves them auto.</summary>
    public uint Epochs { get; set; } = 2;
}
