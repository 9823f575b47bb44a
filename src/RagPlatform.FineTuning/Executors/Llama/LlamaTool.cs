using System.Diagnostics;
using System.Text;
using Grpc.Core;
using RagPlatform.ServiceDefaults.Processes;

namespace RagPlatform.FineTuning.Executors.Llama;

/// <summary>
/// Runs one llama.cpp command-line tool as a child process. Its output is cut into pieces at every
/// carriage return or newline (progress bars redraw with '\r') and handed to the caller as it comes;
/// cancellation kills the process at once; a non-zero exit fails with the tail of its output.
/// </summary>
public sealed class LlamaTool(string path, IReadOnlyDictionary<string, string>? environment = null)
{
    private const int TailLines = 20, ErrorLines = 5;

    public string Name => Path.GetFileName(path);

    /// <summary>Runs to completion; returns the tail of its output (progress redraws left out).</summary>
    public async Task<string> RunAsync(IEnumerable<string> arguments, Func<string, Task>? onPiece, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var info = new ProcessStartInfo(path)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        foreach (var argument in arguments) info.ArgumentList.Add(argument);
        foreach (var (name, value) in environment ?? new Dictionary<string, string>()) info.Environment[name] = value;
        using var process = ChildProcess.Start(info);
        process.StandardInput.Close();
        var tail = new Queue<string>(TailLines);
        var errors = new List<string>(ErrorLines);
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        using var kill = stop.Token.Register(() => Kill(process));
        var gate = new SemaphoreSlim(1, 1);
        async Task Piece(string piece)
        {
            await gate.WaitAsync(CancellationToken.None);
            try
            {
                if (IsError(piece) && errors.Count < ErrorLines) errors.Add(piece);
                if (!IsProgress(piece))
                {
                    if (tail.Count == TailLines) tail.Dequeue();
                    tail.Enqueue(piece);
                }
                if (onPiece is not null && !stop.IsCancellationRequested) await onPiece(piece);
            }
            catch
            {
                // The caller's handler failed (e.g. the claim was lost): stop the tool, nothing more is written for it.
                await stop.CancelAsync();
                throw;
            }
            finally { gate.Release(); }
        }
        try { await Task.WhenAll(ReadAsync(process.StandardOutput, Piece), ReadAsync(process.StandardError, Piece)); }
        finally { await process.WaitForExitAsync(CancellationToken.None); }
        cancellationToken.ThrowIfCancellationRequested();
        var output = string.Join('\n', tail);
        if (process.ExitCode != 0)
            throw new LlamaToolException(StatusCode.Internal, $"{Name} exited with code {process.ExitCode}"
                + (errors.Count > 0 ? $": {string.Join('\n', errors)}" : "") + $"\nits last output:\n{output}");
        return output;
    }

    /// <summary>Progress bars ("train: [...] data=...") are redrawn many times a second; the tail keeps only other lines.</summary>
    private static bool IsProgress(string piece) => piece.StartsWith("train:", StringComparison.Ordinal) || piece.StartsWith("val:", StringComparison.Ordinal);

    /// <summary>A failed assertion or an error-level log line: what a crash report leads with (a backtrace can bury it in the tail).</summary>
    private static bool IsError(string piece) =>
        piece.Contains("GGML_ASSERT", StringComparison.Ordinal) || piece.Contains(" E ", StringComparison.Ordinal)
        || piece.StartsWith("error", StringComparison.OrdinalIgnoreCase);

    private static async Task ReadAsync(StreamReader reader, Func<string, Task> onPiece)
    {
        var buffer = new char[4096];
        var piece = new StringBuilder();
        int read;
        while ((read = await reader.ReadAsync(buffer, CancellationToken.None)) > 0)
        {
            for (int i = 0; i < read; i++)
            {
                char c = buffer[i];
                if (c is '\r' or '\n')
                {
                    if (piece.Length > 0) await onPiece(piece.ToString().TrimEnd());
                    piece.Clear();
                }
                else piece.Append(c);
            }
        }
        if (piece.Length > 0) await onPiece(piece.ToString().TrimEnd());
    }

    private static void Kill(Process process)
    {
        try { process.Kill(entireProcessTree: true); }
        catch (InvalidOperationException) { } // already exited
    }
}
