using RagPlatform.Contracts.FineTuning.V1;

namespace RagPlatform.FineTuning.Adapters;

/// <summary>The adapter trainer's settings, with "auto" resolved.</summary>
public sealed record AdapterHyperparameters(int Epochs, int BatchSize, double LearningRate, int Patience)
{
    /// <summary>Softmax temperature of the contrastive loss.</summary>
    public float Temperature { get; init; } = 0.05f;
    /// <summary>L2 pull of the map towards the identity, so that few pairs cannot move it far.</summary>
    public float WeightDecay { get; init; } = 1e-3f;

    public static AdapterHyperparameters Resolve(Hyperparameters? requested, int trainingPairs)
    {
        var h = requested ?? new Hyperparameters();
        return new AdapterHyperparameters(
            Epochs: h.HasEpochs ? (int)h.Epochs : 30,
            BatchSize: h.HasBatchSize ? (int)h.BatchSize : Math.Clamp(trainingPairs, 2, 64),
            LearningRate: h.HasLearningRate ? h.LearningRate : 1e-3,
            Patience: h.HasPatience ? (int)h.Patience : 4);
    }
}
