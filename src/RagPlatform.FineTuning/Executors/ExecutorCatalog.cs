using RagPlatform.Contracts.Common.V1;
using RagPlatform.ServiceDefaults.Errors;

namespace RagPlatform.FineTuning.Executors;

/// <summary>Finds the executor that can fine-tune a base model.</summary>
public sealed class ExecutorCatalog(IEnumerable<IJobExecutor> executors)
{
    public async Task<(IJobExecutor Executor, Model BaseModel)> ForBaseModelAsync(string baseModel, CancellationToken cancellationToken,
        string field = "base_model")
    {
        Require.That(!baseModel.Contains('+'), field, $"'{baseModel}' is itself fine-tuned; fine-tune its base instead");
        foreach (var executor in executors)
            if (await executor.DescribeBaseAsync(baseModel, cancellationToken) is { } description)
                return (executor, description);
        throw new InvalidArgumentException(field, $"'{baseModel}' is not a model this service can fine-tune");
    }

    public IJobExecutor ForKind(ModelKind kind) =>
        executors.FirstOrDefault(e => e.Kind == kind) ?? throw new InvalidOperationException($"no executor for {kind}");
}
