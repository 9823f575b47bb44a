using Grpc.Core;
using RagPlatform.ServiceDefaults.Errors;
using RagPlatform.ServiceDefaults.Providers;

namespace RagPlatform.FineTuning.Executors.OpenAI;

/// <summary>A hosted fine-tuning call or job that failed for good; the job ends failed with this status and message.</summary>
public sealed class RemoteFineTuningException(StatusCode code, string message) : PlatformException(code, message)
{
    /// <summary>The remote job ended failed: its error code and message, as the provider gave them.</summary>
    public static RemoteFineTuningException JobFailed(string remoteJobId, string? code, string? message) =>
        new(StatusCode.Aborted, $"hosted job {remoteJobId} failed ({code ?? "no code"}): {message ?? "no message"}");

    /// <summary>
    /// What a failed call means for the job: a refused key, a spent quota or a rejected request fails
    /// it; a provider still busy or down once retries are spent sends it back to the queue (UNAVAILABLE).
    /// </summary>
    public static PlatformException From(string baseModel, string what, ProviderFailure failure) => failure.HttpStatus switch
    {
        _ when failure.IsRetryable => new UnavailableException($"the provider of '{baseModel}' could not {what} ({Status(failure)}, {failure.Reason}): {failure.Message}"),
        401 => new RemoteFineTuningException(StatusCode.Unauthenticated,
            $"the provider of '{baseModel}' refused its API key (401) while trying to {what}: {failure.Message}; check FineTuning:RemoteBases:{baseModel}:ApiKey or ApiKeyVariable"),
        403 => new RemoteFineTuningException(StatusCode.PermissionDenied,
            $"the provider of '{baseModel}' denied access (403) while trying to {what}: {failure.Message}"),
        429 => new ResourceExhaustedException($"the provider of '{baseModel}' refused to {what} ({failure.Reason}): {failure.Message}"),
        _ => new RemoteFineTuningException(StatusCode.FailedPrecondition,
            $"the provider of '{baseModel}' refused to {what} ({Status(failure)}, {failure.Reason}): {failure.Message}"),
    };

    private static string Status(ProviderFailure failure) => failure.HttpStatus == 0 ? failure.Reason : $"HTTP {failure.HttpStatus}";
}
