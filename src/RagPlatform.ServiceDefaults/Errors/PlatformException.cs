using Grpc.Core;

namespace RagPlatform.ServiceDefaults.Errors;

/// <summary>
/// A failure the caller should hear about, with the gRPC status it maps to. Cores throw these;
/// <see cref="ErrorMappingInterceptor"/> turns them into statuses with google.rpc details.
/// </summary>
public abstract class PlatformException(StatusCode code, string message, Exception? inner = null)
    : Exception(message, inner)
{
    public StatusCode Code { get; } = code;
}

/// <summary>A field of the request is wrong: INVALID_ARGUMENT with a google.rpc.BadRequest naming it.</summary>
public sealed class InvalidArgumentException(string field, string reason)
    : PlatformException(StatusCode.InvalidArgument, $"{field}: {reason}")
{
    public string Field { get; } = field;
    public string Reason { get; } = reason;
}

public sealed class NotFoundException(string what)
    : PlatformException(StatusCode.NotFound, what);

public sealed class AlreadyExistsException(string what)
    : PlatformException(StatusCode.AlreadyExists, what);

public sealed class FailedPreconditionException(string what)
    : PlatformException(StatusCode.FailedPrecondition, what);

public sealed class ResourceExhaustedException(string what)
    : PlatformException(StatusCode.ResourceExhausted, what);

public sealed class UnavailableException(string what, Exception? inner = null)
    : PlatformException(StatusCode.Unavailable, what, inner);
