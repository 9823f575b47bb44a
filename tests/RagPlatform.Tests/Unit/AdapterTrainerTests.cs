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

    [Theory]
    [InlineData(0f)]
    [InlineData(0.3f)]
    public void The_gradient_of_the_loss_with_its_identity_penalty_matches_finite_differences(float weightDecay)
    {
        // A tiny task at a random map away from the identity, so that every term of the loss is active.
        const int dimension = 4;
        var random = new Random(3);
        float[] RandomUnit() => Unit(Enumerable.Range(0, dimension).Select(_ => (float)random.NextDouble() * 2 - 1).ToArray());
        var documents = Enumerable.Range(0, 6).Select(_ => RandomUnit()).ToArray();
        var train = new AdapterTrainingSet
        {
            Queries = [RandomUnit(), RandomUnit(), RandomUnit()],
            Positive = [0, 1, 2],
            Negatives = [[3, 4], [5], [3]],
            PositivesOfQuery = [new HashSet<int> { 0 }, new HashSet<int> { 1 }, new HashSet<int> { 2 }],
        };
        var validation = new AdapterValidationSet { Queries = [], Relevant = [] };
        var trainer = new AdapterTrainer(train, validation, documents,
            new AdapterHyperparameters(1, 3, 0.01, 1) { Temperature = 0.5f, WeightDecay = weightDecay }, 1);
        var residual = Enumerable.Range(0, dimension * dimension).Select(_ => (float)random.NextDouble() * 0.6f - 0.3f).ToArray();
        int[] batch = [0, 1, 2];
        var gradient = new float[residual.Length];
        trainer.BatchLoss(residual, batch, gradient);

        var scratch = new float[residual.Length];
        const float step = 1e-2f;
        for (int i = 0; i < residual.Length; i++)
        {
            float kept = residual[i];
            residual[i] = kept + step;
            double up = trainer.BatchLoss(residual, batch, scratch);
            residual[i] = kept - step;
            double down = trainer.BatchLoss(residual, batch, scratch);
            residual[i] = kept;
            Assert.Equal((up - down) / (2 * step), gradient[i], 2e-3);
        }
    }

    [Fact]
    public void The_identity_penalty_adds_half_lambda_times_the_squared_distance_from_the_identity()
    {
        float[] e0 = [1, 0], e1 = [0, 1];
        var train = new AdapterTrainingSet { Queries = [e0], Positive = [0], Negatives = [[1]], PositivesOfQuery = [new HashSet<int> { 0 }] };
        var validation = new AdapterValidationSet { Queries = [], Relevant = [] };
        AdapterTrainer With(float lambda) => new(train, validation, [e0, e1], new AdapterHyperparameters(1, 1, 0.01, 1) { WeightDecay = lambda }, 1);
        float[] residual = [0.5f, 0, 0, -1]; // ‖A‖² = 1.25; the query maps onto itself, scaled
        var gradient = new float[4];
        double plain = With(0).BatchLoss(residual, [0], gradient);
        double penalised = With(2).BatchLoss(residual, [0], gradient);
        Assert.Equal(plain + 0.5 * 2 * 1.25, penalised, 5);
    }

    [Fact]
    public void A_stronger_identity_penalty_keeps_the_trained_map_closer_to_the_identity()
    {
        double DistanceAfterTraining(float lambda)
        {
            var (train, validation, documents) = Task();
            var trainer = new AdapterTrainer(train, validation, documents,
                new AdapterHyperparameters(Epochs: 10, BatchSize: 16, LearningRate: 0.01, Patience: 10) { WeightDecay = lambda }, 5);
            var state = trainer.Start();
            for (int epoch = 0; epoch < 10; epoch++) trainer.TrainEpoch(state, CancellationToken.None);
            return Math.Sqrt(state.Residual.Sum(x => (double)x * x));
        }
        double free = DistanceAfterTraining(0), held = DistanceAfterTraining(1);
        Assert.True(held < 0.5 * free, $"‖W − I‖ {free} without the penalty, {held} with λ = 1");
    }
}
