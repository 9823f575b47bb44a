using RagPlatform.FineTuning.Registry;
using RagPlatform.ServiceDefaults.Errors;

namespace RagPlatform.FineTuning.Jobs;

/// <summary>
/// A job's suffix names its model (&lt;base&gt;+&lt;suffix&gt;), so a suffix is taken while a job that
/// has not ended holds it, or once a model of that name is registered.
/// </summary>
public static class SuffixTaken
{
    public static string ModelName(StoredJob job) => ModelNames.For(job.Job.BaseModel, job.Job.Suffix);

    public static AlreadyExistsException ByJob(string modelName, string jobId) =>
        new($"suffix: model '{modelName}' is the one job {jobId} is training; choose another suffix, or cancel that job first");

    public static AlreadyExistsException ByModel(string modelName) =>
        new($"suffix: model '{modelName}' is already registered; choose another suffix");
}
