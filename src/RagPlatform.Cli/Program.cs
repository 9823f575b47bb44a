using System.CommandLine;
using RagPlatform.Cli.Commands;

namespace RagPlatform.Cli;

public static class Program
{
    public static Task<int> Main(string[] args)
    {
        var root = new RootCommand("rag: ingest documents and ask questions of RagPlatform, run it, and measure it.")
        {
            Subcommands =
            {
                ServeCommand.Create(),
                QuickstartCommand.Create(),
                IngestCommand.Create(),
                AskCommand.Create(),
                LaunchCommand.Create(),
                BenchCommand.Create(),
                EvalCommand.Create(),
                DatasetsCommand.Create(),
                JobsCommand.Create(),
            },
        };
        return root.Parse(args).InvokeAsync();
    }
}
