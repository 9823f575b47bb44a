using RagPlatform.Contracts.FineTuning.V1;
using RagPlatform.FineTuning.Executors;
using RagPlatform.ServiceDefaults.Errors;

namespace RagPlatform.FineTuning.Datasets;

/// <summary>Finds the tokenizer an upload's lines are counted with: that of the base model its header names.</summary>
public sealed class BaseTokenizers(ExecutorCatalog executors)
{
    /// <summary>
    /// Null when the header names no base, or the base's tokenizer is not at hand (a hosted model);
    /// INVALID_ARGUMENT on header.base_model when the base is unknown or trains on other kinds of data.
    /// </summary>
    public async Task<IBaseTokenizer?> OpenAsync(DatasetHeader header, CancellationToken cancellationToken)
    {
        if (header.BaseModel.Length == 0) return null;
        var (executor, baseModel) = await executors.ForBaseModelAsync(header.BaseModel, cancellationToken, "header.base_model");
        Require.That(executor.DatasetKinds.Contains(header.Kind), "header.base_model",
            $"'{header.BaseModel}' is a {executor.Kind} model, trained on {string.Join(" or ", executor.DatasetKinds)} datasets, not {header.Kind}");
        return await executor.OpenTokenizerAsync(baseModel, cancellationToken);
    }
}
