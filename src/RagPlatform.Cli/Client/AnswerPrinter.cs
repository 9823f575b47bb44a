using Google.Protobuf;
using RagPlatform.Contracts.Query.V1;
using Spectre.Console;

namespace RagPlatform.Cli.Client;

/// <summary>Shows an answer to a person: the text, its citations, the route, the timings.</summary>
public static class AnswerPrinter
{
    public static void Print(AskResponse response, bool json)
    {
        if (json)
        {
            Console.WriteLine(JsonFormatter.Default.Format(response));
            return;
        }
        AnsiConsole.WriteLine(response.Answer);
        PrintDetails(response);
    }

    /// <summary>
    /// An answer as it is written: the text as its pieces arrive (to <paramref name="text"/>, the
    /// console's by default), then the rest once the summary comes. Returns the summary; a stream that
    /// ends without one is an error.
    /// </summary>
    public static async Task<AskResponse> StreamAsync(IAsyncEnumerable<AskStreamEvent> events, CancellationToken cancellationToken,
        TextWriter? text = null)
    {
        text ??= Console.Out;
        await foreach (var update in events.WithCancellation(cancellationToken))
        {
            switch (update.EventCase)
            {
                case AskStreamEvent.EventOneofCase.AnswerDelta:
                    text.Write(update.AnswerDelta);
                    text.Flush();
                    break;
                case AskStreamEvent.EventOneofCase.Summary:
                    text.WriteLine();
                    PrintDetails(update.Summary);
                    return update.Summary;
            }
        }
        throw new InvalidOperationException("the answer stream ended without its summary");
    }

    /// <summary>Everything but the answer's text.</summary>
    private static void PrintDetails(AskResponse response)
    {
        if (response.Extractive)
            AnsiConsole.MarkupLine("[grey](extractive answer: sentences quoted from the sources, not written by a model)[/]");
        AnsiConsole.WriteLine();
        if (response.Citations.Count > 0)
        {
            var table = new Table().Border(TableBorder.Rounded).Title("Citations");
            table.AddColumns("#", "document", "chars", "score", "text");
            foreach (var c in response.Citations)
                table.AddRow(Markup.Escape($"[{c.Number}]"), Markup.Escape(c.DocumentId), $"{c.StartChar}-{c.EndChar}", c.Score.ToString("0.000"),
                    Markup.Escape(c.Text.Length > 90 ? c.Text[..90] + "…" : c.Text));
            AnsiConsole.Write(table);
        }
        var route = response.Route;
        AnsiConsole.MarkupLine($"[grey]route:[/] {route.Strategy} ({Markup.Escape(route.Reason)}); sources: {Markup.Escape(string.Join(", ", route.Sources.Select(s => s.Source)))}; model: {Markup.Escape(route.GenerationModel)}");
        AnsiConsole.MarkupLine($"[grey]cache:[/] {response.CacheStatus}   [grey]trace:[/] {response.TraceId}");
        AnsiConsole.MarkupLine("[grey]timings:[/] " + string.Join("  ", response.Timings.Select(t => $"{t.Stage} {t.Duration.ToTimeSpan().TotalMilliseconds:0.0} ms")));
    }
}
