using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;

namespace RagPlatform.Standalone;

/// <summary>
/// Points every service name at this process once Kestrel has bound (its port may have been 0),
/// before the host reports itself started: background work that waits for ApplicationStarted
/// (fine-tune jobs calling Embedding) never sees the names unresolved.
/// </summary>
public sealed class OwnAddressPublisher(IServer server, IConfiguration configuration) : IHostedLifecycleService
{
    public Task StartedAsync(CancellationToken cancellationToken)
    {
        var address = server.Features.Get<IServerAddressesFeature>()!.Addresses.First();
        foreach (var name in StandaloneHost.ServiceNames)
            configuration[$"services:{name}:http:0"] = address;
        return Task.CompletedTask;
    }

    public Task StartingAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    public Task StoppingAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    public Task StoppedAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
