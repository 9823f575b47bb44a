using Google.Protobuf.WellKnownTypes;
using Google.Rpc;
using Grpc.Core;

namespace RagPlatform.ServiceDefaults.Errors;

/// <summary>Builds gRPC errors the way Google's API design guide describes them.</summary>
public static class RpcErrors
{
    /// <summary>The google.rpc.Status for a platform failure (also used for per-item results).</summary>
    public static Google.Rpc.Status ToStatus(PlatformException error)
    {
        var status = new Google.Rpc.Status { Code = (int)error.Code, Message = error.Message };
        if (error is InvalidArgumentException invalid)
        {
            status.Details.Add(Any.Pack(new BadRequest
            {
                FieldViolations = { new BadRequest.Types.FieldViolation { Field = invalid.Field, Description = invalid.Reason } },
            }));
        }
        return status;
    }

    public static RpcException ToRpcException(PlatformException error) => ToStatus(error).ToRpcException();

    /// <summary>The field named by an INVALID_ARGUMENT error's BadRequest detail, if any.</summary>
    public static string? ViolatedField(RpcException error) =>
        error.GetRpcStatus()?.GetDetail<BadRequest>()?.FieldViolations.FirstOrDefault()?.Field;
}
