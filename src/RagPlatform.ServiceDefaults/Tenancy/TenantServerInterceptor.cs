using Grpc.Core;
using Grpc.Core.Interceptors;
using Microsoft.Extensions.Options;

namespace RagPlatform.ServiceDefaults.Tenancy;

/// <summary>Resolves the caller's tenant from the call's metadata and puts it in scope for the handler.</summary>
public sealed class TenantServerInterceptor(IOptions<TenancyOptions> options) : Interceptor
{
    private string Resolve(ServerCallContext context)
    {
        var tenant = context.RequestHeaders.GetValue(TenantContext.MetadataKey);
        if (string.IsNullOrEmpty(tenant))
            return options.Value.DefaultTenant;
        TenantId.Validate(tenant);
        return tenant;
    }

    public override async Task<TResponse> UnaryServerHandler<TRequest, TResponse>(
        TRequest request, ServerCallContext context, UnaryServerMethod<TRequest, TResponse> continuation)
    {
        using (TenantContext.Use(Resolve(context)))
            return await continuation(request, context);
    }

    public override async Task<TResponse> ClientStreamingServerHandler<TRequest, TResponse>(
        IAsyncStreamReader<TRequest> requestStream, ServerCallContext context,
        ClientStreamingServerMethod<TRequest, TResponse> continuation)
    {
        using (TenantContext.Use(Resolve(context)))
            return await continuation(requestStream, context);
    }

    public override async Task ServerStreamingServerHandler<TRequest, TResponse>(
        TRequest request, IServerStreamWriter<TResponse> responseStream, ServerCallContext context,
        ServerStreamingServerMethod<TRequest, TResponse> continuation)
    {
        using (TenantContext.Use(Resolve(context)))
            await continuation(request, responseStream, context);
    }

    public override async Task DuplexStreamingServerHandler<TRequest, TResponse>(
        IAsyncStreamReader<TRequest> requestStream, IServerStreamWriter<TResponse> responseStream,
        ServerCallContext context, DuplexStreamingServerMethod<TRequest, TResponse> continuation)
    {
        using (TenantContext.Use(Resolve(context)))
            await continuation(requestStream, responseStream, context);
    }
}
