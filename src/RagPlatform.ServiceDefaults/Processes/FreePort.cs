using System.Net;
using System.Net.Sockets;

namespace RagPlatform.ServiceDefaults.Processes;

public static class FreePort
{
    /// <summary>
    /// A loopback port free at this moment. Only for programs that cannot listen on port 0 and
    /// report what they got (redis-server, llama-server); callers retry if another process takes it first.
    /// </summary>
    public static int Next()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
