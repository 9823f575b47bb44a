using RagPlatform.FineTuning.Adapters;

namespace RagPlatform.Tests.Unit;

/// <summary>
/// The query-adapter trainer on synthetic vectors: queries are their documents seen through a
/// fixed permutation of the dimensions (plus noise), which the base space ranks badly and a
/// linear query map can undo.
/// </summary>
public sealed class AdapterTrainerTests
{
    private const int Dimension = 32;

    private static (AdapterTrainingSet Train, AdapterValidationSet Validation, float[][] Documents) Task(int documents = 160, int validationDocuments = 40)
    {
        var random = new Random(11);
        var permutation = Enumerable.Range(0, Dimension).ToArray();
        random.Shuffle(permutation);
        var docs = Enumerable.Range(0, documents).Select(_ => Unit(Enumerable.Range(0, Dimension).Select(_ => (float)random.NextDouble() * 2 - 1).ToArray())).ToArray();
        float[] QueryOf(float[] doc) => Unit(Enumerable.Range(0, Dimension).Select(i => doc[permutation[i]] + 0.1f * ((float)random.NextDouble() - 0.5f)).ToArray());
        int trainCount = documents - validationDocuments;
        var train = new AdapterTrainingSet
        {
            Queries = Enumerable.Range(0, trainCount).Select(d => QueryOf(docs[d])).ToArray(),
            Positive = Enumerable.Range(0, trainCount).ToArray(),
            Negatives = Enumerable.Range(0, trainCount).Select(d => new[] { (d + 1) % trainCount }).ToArray(),
            PositivesOfQuery = Enumerable.Range(0, trainCount).Select(d => (IReadOnlySet<int>)new HashSet<int> { d }).ToArray(),
        };
        var validation = new AdapterValidationSet
        {
            Queries = Enumerable.Range(trainCount, validationDocuments).Select(d => QueryOf(docs[d])).ToArray(),
            Relevant = Enumerable.Range(trainCount, validationDocuments).Select(d => (IReadOnlySet<int>)new HashSet<int> { d }).ToArray(),
        };
        return (train, validation, docs);
    }

    private static float[] Unit(float[] v)
    {
        var norm = MathF.Sqrt(v.Sum(x => x * x));
        return v.Select(x => x / norm).ToArray();
    }

    private static AdapterTrainer Trainer(long seed = 5)
    {
        var (train, validation, documents) = Task();
        return new AdapterTrainer(train, validation, documents, new AdapterHyperparameters(Epochs: 40, BatchSize: 16, LearningRate: 0.01, Patience: 5), seed);
    }

    [Fact]
    public void Training_raises_validation_ndcg_on_queries_it_never_saw()
    {
        var trainer = Trainer();
        var state = trainer.Start();
        Assert.True(state.BaselineMetric < 0.3, $"baseline {state.BaselineMetric}");
        var losses = new List<double>();
        while (state.Epoch < 40 && state.EpochsSinceBest < 5)
        {
            losses.Add(trainer.TrainEpoch(state, CancellationToken.None));
            trainer.RecordValidation(state, trainer.Validate(state.Residual));
        }
        Assert.True(losses[^1] < losses[0], $"loss {losses[0]} -> {losses[^1]}");
        Assert.True(state.BestMetric > state.BaselineMetric + 0.4, $"nDCG@10 {state.BaselineMetric} -> {state.BestMetric}");
        Assert.Equal(state.BestMetric, trainer.Validate(state.BestResidual), 10);
    }

    [Fact]
    public void A_seed_gives_the_same_map_every_time_and_resuming_from_a_checkpoint_changes_nothing()
    {
        float[] Straight(long seed)
        {
            var trainer = Trainer(seed);
            var state = trainer.Start();
            for (int epoch = 0; epoch < 4; epoch++) trainer.TrainEpoch(state, CancellationToken.None);
            return state.Residual;
        }
        var first = Straight(5);
        Assert.Equal(first, Straight(5));
        Assert.NotEqual(first, Straight(6));

        var interrupted = Trainer(5);
        var before = interrupted.Start();
        interrupted.TrainEpoch(before, CancellationToken.None);
        interrupted.TrainEpoch(before, CancellationToken.None);
        var restored = AdapterTrainerState.Deserialize(before.Serialize());
        var resumed = Trainer(5);
        resumed.TrainEpoch(restored, CancellationToken.None);
        resumed.TrainEpoch(restored, CancellationToken.None);
        Assert.Equal(first, restored.Residual);
        Assert.Equal(4, restored.Epoch);
    }

    [Fact]
    public void Another_positive_of_the_same_query_is_masked_out_rather_than_counted_as_a_negative()
    {
        // One query with two positives whose vectors coincide. Counted as a negative, the other
        // positive would hold the target's probability at one half (loss ln 2); masked, only the
        // orthogonal negatives compete, and the loss is near zero.
        float[] e0 = [1, 0, 0], e1 = [0, 1, 0], e2 = [0, 0, 1];
        IReadOnlySet<int> positives = new HashSet<int> { 0, 1 };
        var train = new AdapterTrainingSet
        {
            Queries = [e0, e0],
            Positive = [0, 1],
            Negatives = [[2, 3], [2, 3]],
            PositivesOfQuery = [positives, positives],
        };
        var validation = new AdapterValidationSet { Queries = [e0], Relevant = [positives] };
        var trainer = new AdapterTrainer(train, validation, [e0, e0, e1, e2], new AdapterHyperparameters(1, 2, 0.01, 1), 1);
        var loss = trainer.TrainEpoch(trainer.Start(), CancellationToken.None);
        Assert.True(loss < 0.01, $"loss {loss}");
    }

    [Fact]
    public void Held_out_queries_share_neither_query_nor_positive_with_training_and_the_split_depends_only_on_the_seed()
    {
        // 40 queries with two positives each; query q's second positive is also query q+1's first,
        // in chains of four, so queries come in groups of four linked through shared passages.
        var pairs = Enumerable.Range(0, 40).SelectMany(q => new[]
        {
            new RetrievalPair($"query {q}", q % 4 == 0 ? $"passage {q}" : $"passage {q - 1}b", []),
            new RetrievalPair($"query {q}", $"passage {q}b", []),
        }).ToList();
        var (train, validation) = RetrievalPair.Split(pairs, 0.25, seed: 9);
        Assert.Equal(24, validation.Count); // whole groups of four until 10 queries are reached: 12 queries, two pairs each
        Assert.Empty(train.Select(p => p.Query).Intersect(validation.Select(p => p.Query)));
        Assert.Empty(train.Select(p => p.Positive).Intersect(validation.Select(p => p.Positive)));
        Assert.Equal(validation, RetrievalPair.Split(pairs, 0.25, seed: 9).Validation);
        Assert.NotEqual(validation, RetrievalPair.Split(pairs, 0.25, seed: 10).Validation);
    }
}
