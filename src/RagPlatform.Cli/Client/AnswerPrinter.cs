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
