using RagPlatform.Contracts.Common.V1;
using RagPlatform.FineTuning.Jobs;
using RagPlatform.ServiceDefaults.Errors;

namespace RagPlatform.FineTuning.Registry;

/// <summary>The registry in the shared folder alone, written once per model under the job store's claim check.</summary>
public sealed class FileModelRegistry(IJobStore jobs, RegistryFolder folder) : IModelRegistry
{
    private readonly SemaphoreSlim gate = new(1, 1);

    public async Task<Model> RegisterAsync(JobClaim claim, Model model, CancellationToken cancellationToken)
    {
        await gate.WaitAsync(cancellationToken);
        try
        {
            await jobs.EnsureCurrentAsync(claim, cancellationToken);
            if (folder.Read(claim.Tenant, model.Name) is { } existing)
                return existing.JobId == claim.JobId ? existing
                    : throw new AlreadyExistsException($"model '{model.Name}' is already registered by job {existing.JobId}");
            folder.Write(claim.Tenant, model);
            return model;
        }
        finally { gate.Release(); }
    }

    public Task<Model?> GetAsync(string tenant, string name, CancellationToken cancellationToken) =>
        Task.FromResult(folder.Read(tenant, name));

    public Task<IReadOnlyList<Model>> ListAsync(string tenant, CancellationToken cancellationToken) =>
        Task.FromResult(folder.List(tenant));
}
