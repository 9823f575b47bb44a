using Grpc.Core;
using RagPlatform.ServiceDefaults.Errors;

namespace RagPlatform.Tests.Infrastructure;

public static class RpcAssert
{
    /// <summary>The call fails with this status; for INVALID_ARGUMENT, its BadRequest names this field.</summary>
    public static async Task<RpcException> FailsAsync(StatusCode code, Func<Task> call, string? field = null)
    {
        var error = await Assert.ThrowsAsync<RpcException>(call);
        Assert.Equal(code, error.StatusCode);
        Assert.False(string.IsNullOrWhiteSpace(error.Status.Detail), "the error should say why");
        Assert.DoesNotContain("   at ", error.Status.Detail); // no stack trace to the caller
        if (field is not null)
            Assert.Equal(field, RpcErrors.ViolatedField(error));
        return error;
    }
}
