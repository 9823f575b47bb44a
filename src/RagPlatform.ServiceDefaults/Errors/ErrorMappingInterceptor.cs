using Grpc.Core;
using Grpc.Core.Interceptors;
using Microsoft.Extensions.Logging;

namespace RagPlatform.ServiceDefaults.Errors;

/// <summary>
/// Maps exceptions to gRPC statuses: platform failures to their code with details, a cancelled
/// caller to CANCELLED, anything else to INTERNAL with no stack trace (it is logged instead).
/// </summary>
public sealed class ErrorMappingInterceptor(ILogger<ErrorMappingInterceptor> logger) : Interceptor
{
    private Exception Map(Exception error, ServerCallContext context)
    {
        switch (error)
        {
            case RpcException { StatusCode: StatusCode.Unimplemented } unimplemented when unimplemented.Status.Detail.Length == 0:
                // The generated base class says nothing; say which method is not built yet.
                return new RpcException(new Status(StatusCode.Unimplemented, $"{context.Method} is not implemented in this version of RagPlatform."));
            case RpcException:
                return error;
            case PlatformException platform:
                return RpcErrors.ToRpcException(platform);
            case OperationCanceledException when context.CancellationToken.IsCancellationRequested:
                return context.Deadline <= DateTime.UtcNow
                    ? new RpcException(new Status(StatusCode.DeadlineExceeded, "The deadline passed before the call finished."))
                    : new RpcException(new Status(StatusCode.Cancelled, "The caller cancelled the call."));
            default:
                logger.LogError(error, "Unhandled error in {Method}", context.Method);
                return new RpcException(new Status(StatusCode.Internal, "Internal error; see the service log for this trace."));
        }
    }

    public override async Task<TResponse> UnaryServerHandler<TRequest, TResponse>(
        TRequest request, ServerCallContext context, UnaryServerMethod<TRequest, TResponse> continuation)
    {
        try { return await continuation(request, context); }
        catch (Exception error) { throw Map(error, context); }
    }

    public override async Task<TResponse> ClientStreamingServerHandler<TRequest, TResponse>(
        IAsyncStreamReader<TRequest> requestStream, ServerCallContext context,
        ClientStreamingServerMethod<TRequest, TResponse> continuation)
    {
        try { return await continuation(requestStream, context); }
        catch (Exception error) { throw Map(error, context); }
    }

    public override async Task ServerStreamingServerHandler<TRequest, TResponse>(
        TRequest request, IServerStreamWriter<TResponse> responseStream, ServerCallContext context,
        ServerStreamingServerMethod<TRequest, TResponse> continuation)
    {
        try { await continuation(request, responseStream, context); }
        catch (Exception error) { throw Map(error, context); }
    }

    public override async Task DuplexStreamingServerHandler<TRequest, TResponse>(
        IAsyncStreamReader<TRequest> requestStream, IServerStreamWriter<TResponse> responseStream,
        ServerCallContext context, DuplexStreamingServerMethod<TRequest, TResponse> continuation)
    {
        try { await continuation(requestStream, responseStream, context); }
        catch (Exception error) { throw Map(error, context); }
    }
}
