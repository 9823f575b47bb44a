using RagPlatform.FineTuning.Executors;
using System.Text.Json;
using RagPlatform.Contracts.FineTuning.V1;
using RagPlatform.FineTuning.Executors.Llama;

namespace RagPlatform.Tests.Unit;

/// <summary>How dataset lines become llama-finetune's training text, and how llama.cpp's output is read back.</summary>
public sealed class LlamaTrainingTextTests
{
    [Fact]
    public void A_chat_line_is_rendered_turn_by_turn_in_ChatML()
    {
        using var line = JsonDocument.Parse("""{"messages":[{"role":"system","content":"Be brief."},{"role":"user","content":"Hi?"},{"role":"assistant","content":"Hello.","weight":1}]}""");
        Assert.Equal("<|im_start|>system\nBe brief.<|im_end|>\n<|im_start|>user\nHi?<|im_end|>\n<|im_start|>assistant\nHello.<|im_end|>\n",
            TrainingText.Render(line.RootElement, DatasetKind.Chat));
    }

    [Fact]
    public void A_prompt_completion_line_is_a_user_turn_answered_by_the_assistant()
    {
        using var line = JsonDocument.Parse("""{"prompt":"2+2?","completion":"4"}""");
        Assert.Equal("<|im_start|>user\n2+2?<|im_end|>\n<|im_start|>assistant\n4<|im_end|>\n", TrainingText.Render(line.RootElement, DatasetKind.PromptCompletion));
    }

    [Fact]
    public void The_split_holds_out_the_fraction_keeps_both_sides_apart_and_repeats_with_the_seed()
    {
        var examples = Enumerable.Range(0, 50).Select(i => $"example {i}\n").ToList();
        var (train, validation) = TrainingExamples.Split(examples, 0.2, seed: 3);
        Assert.Equal(10, validation.Count);
        Assert.Equal(40, train.Count);
        Assert.Empty(train.Intersect(validation));
        Assert.Equal(validation, TrainingExamples.Split(examples, 0.2, seed: 3).Validation);
        Assert.NotEqual(validation, TrainingExamples.Split(examples, 0.2, seed: 4).Validation);
        Assert.Single(TrainingExamples.Split(examples[..2], 0.1, seed: 1).Validation); // at least one on each side
    }

    [Fact]
    public void Training_progress_is_read_from_the_progress_bar()
    {
        var progress = LlamaOutput.ParseTrainingProgress("train: [█████▌  ] data=0000061/0000088 loss=3.47282±0.01768 acc=33.68±0.53% t=00:00:36 ETA=00:00:16");
        Assert.Equal(new LlamaOutput.Progress(61, 88, 3.47282), progress);
        Assert.Null(LlamaOutput.ParseTrainingProgress("val:   [█▎      ] data=0000001/0000006 loss=4.48213±nan acc=10.94±2.77%"));
        Assert.Null(LlamaOutput.ParseTrainingProgress("0.24.196.206 I epoch 1 lr=0.0003"));
    }

    [Fact]
    public void Running_perplexity_estimates_and_the_chunk_count_are_read()
    {
        Assert.Equal([(1, 130.0387), (2, 131.6559)], LlamaOutput.ParseRunningPerplexities("[1]130.0387,[2]131.6559,"));
        Assert.Empty(LlamaOutput.ParseRunningPerplexities("0.00.069.874 I perplexity: tokenization took 0.039 ms"));
        Assert.Equal(5, LlamaOutput.ParseChunkCount("0.00.069.978 I perplexity: calculating perplexity over 5 chunks, n_ctx=128, batch_size=2048, n_seq=16"));
        Assert.Null(LlamaOutput.ParseChunkCount("0.00.116.242 I Final estimate: PPL = 130.5240 +/- 1.08043"));
    }
}
