using RagPlatform.Contracts.Common.V1;
using RagPlatform.FineTuning.Jobs;

namespace RagPlatform.FineTuning.Registry;

/// <summary>
/// The fine-tuned models of each tenant. This service is its one writer, and only a job's current
/// claim may register: a worker that lost its claim is refused, so a model is registered once.
/// </summary>
public interface IModelRegistry
{
    /// <summary>
    /// Registers the model a job produced. Registering the same job's model again returns the first
    /// registration; a name another job holds is ALREADY_EXISTS.
    /// </summary>
    Task<Model> RegisterAsync(JobClaim claim, Model model, CancellationToken cancellationToken);

    Task<Model?> GetAsync(string tenant, string name, CancellationToken cancellationToken);

    /// <summary>A tenant's models, by name.</summary>
    Task<IReadOnlyList<Model>> ListAsync(string tenant, CancellationToken cancellationToken);
}
