using RagPlatform.Contracts.FineTuning.V1;
using RagPlatform.FineTuning.Registry;
using RagPlatform.ServiceDefaults.Errors;

namespace RagPlatform.FineTuning.Jobs;

/// <summary>The checks of a CreateJob request that need nothing but the request.</summary>
public static class JobRequestValidation
{
    public static void Validate(CreateJobRequest request)
    {
        Require.NotBlank(request.BaseModel, "base_model");
        Require.NotBlank(request.TrainingDatasetId, "training_dataset_id");
        Require.MaxLength(request.IdempotencyKey, 128, "idempotency_key");
        Require.That(request.Suffix.Length == 0 || ModelNames.IsValidSuffix(request.Suffix), "suffix",
            $"use 1-{ModelNames.MaxSuffixLength} lower-case letters, digits, '-' or '_', starting with a letter or digit");
        Require.That(request.ValidationFraction is >= 0 and <= 0.5, "validation_fraction", "must be between 0 and 0.5 (0 means 0.1)");
        Require.That(request.ValidationDatasetId.Length == 0 || request.ValidationFraction == 0, "validation_fraction",
            "give a validation dataset or a fraction to split off, not both");
        Require.That(request.ValidationDatasetId != request.TrainingDatasetId, "validation_dataset_id",
            "must differ from the training dataset (it would leak into training)");
        var h = request.Hyperparameters ?? new Hyperparameters();
        Require.That(!h.HasEpochs || h.Epochs is >= 1 and <= 1000, "hyperparameters.epochs", "must be between 1 and 1000");
        Require.That(!h.HasBatchSize || h.BatchSize is >= 2 and <= 4096, "hyperparameters.batch_size", "must be between 2 and 4096");
        Require.That(!h.HasLearningRate || h.LearningRate is > 0 and <= 1 && double.IsFinite(h.LearningRate), "hyperparameters.learning_rate",
            "must be above 0 and at most 1");
        Require.That(!h.HasPatience || h.Patience is >= 1 and <= 100, "hyperparameters.patience", "must be between 1 and 100");
        Require.That(!h.HasWeightDecay || h.WeightDecay is >= 0 and <= 100 && double.IsFinite(h.WeightDecay), "hyperparameters.weight_decay",
            "must be between 0 and 100");
    }
}
