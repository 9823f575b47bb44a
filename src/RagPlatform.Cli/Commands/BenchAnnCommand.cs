using System.CommandLine;
using System.Diagnostics;
using System.Text.Json;
using RagPlatform.Cli.Measurement;
using RagPlatform.Cli.Measurement.Ann;
using RagPlatform.Contracts.Vectors.V1;
using RagPlatform.Launcher;
using RagPlatform.VectorSearch.Engine.Index;
using Spectre.Console;

namespace RagPlatform.Cli.Commands;

/// <summary>
/// rag bench ann: the embedded engine's HNSW against FAISS IndexHNSWFlat on real data (GloVe 100-d,
/// angular), same M and ef_construct, one thread each: build time, memory, recall@10 and queries
/// per second for each ef.
/// </summary>
public static class BenchAnnCommand
{
    public static Command Create()
    {
        var m = new Option<int>("--m") { Description = "HNSW links per node.", DefaultValueFactory = _ => 16 };
        var efConstruct = new Option<int>("--ef-construct") { Description = "Beam width while building.", DefaultValueFactory = _ => 100 };
        var efs = new Option<string>("--ef") { Description = "Search beam widths, comma-separated.", DefaultValueFactory = _ => "16,32,64,128,256,512" };
        var queries = new Option<int>("--queries") { Description = "Held-out query vectors.", DefaultValueFactory = _ => 10_000 };
        var single = new Option<int>("--single") { Description = "Queries timed one at a time (FAISS from Python; the rest are batched).", DefaultValueFactory = _ => 2_000 };
        var limit = new Option<int?>("--limit") { Description = "Use only this many base vectors (a quicker run)." };
        var json = new Option<bool>("--json") { Description = "Print JSON." };
        var command = new Command("ann", "HNSW vs FAISS IndexHNSWFlat on GloVe 100-d: recall@10 against queries per second.")
        {
            m, efConstruct, efs, queries, single, limit, json,
        };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var efList = parse.GetValue(efs)!.Split(',').Select(int.Parse).ToArray();
            var (basePath, queryPath, baseCount) = await GloveVectors.PrepareAsync(parse.GetValue(queries), parse.GetValue(limit));
            var truthPath = Path.Combine(GloveVectors.CacheDirectory, "truth.i32");
            var faiss = await RunFaissAsync(basePath, queryPath, parse.GetValue(m), parse.GetValue(efConstruct), truthPath, efList, parse.GetValue(single), cancellationToken);
            var ours = RunOurs(basePath, queryPath, truthPath, parse.GetValue(m), parse.GetValue(efConstruct), efList);
            Report(baseCount, parse.GetValue(queries), ours, faiss, parse.GetValue(json));
            return 0;
        });
        return command;
    }

    private sealed record Point(int Ef, double Recall, double QpsSingle, double QpsBatched);
    private sealed record EngineRun(string Engine, double BuildSeconds, long MemoryBytes, List<Point> Results);

    private static EngineRun RunOurs(string basePath, string queryPath, string truthPath, int m, int efConstruct, int[] efs)
    {
        var data = GloveVectors.Read(basePath);
        var queries = GloveVectors.Read(queryPath);
        var truthBytes = File.ReadAllBytes(truthPath);
        var truth = new int[truthBytes.Length / sizeof(int)];
        Buffer.BlockCopy(truthBytes, 0, truth, 0, truthBytes.Length);
        int dim = GloveVectors.Dimension, n = data.Length / dim, q = queries.Length / dim;

        var index = new HnswIndex(dim, Distance.Dot, m, efConstruct);
        var started = Stopwatch.GetTimestamp();
        for (int i = 0; i < n; i++) index.Add(i, data.AsSpan(i * dim, dim));
        double build = Stopwatch.GetElapsedTime(started).TotalSeconds;

        var results = new List<Point>();
        foreach (var ef in efs)
        {
            int found = 0;
            started = Stopwatch.GetTimestamp();
            for (int i = 0; i < q; i++)
            {
                var hits = index.Search(queries.AsSpan(i * dim, dim), 10, ef, null);
                var expected = truth.AsSpan(i * 10, 10);
                foreach (var (slot, _) in hits) if (expected.Contains(slot)) found++;
            }
            double seconds = Stopwatch.GetElapsedTime(started).TotalSeconds;
            // One thread, one query at a time: single and batched are the same loop for this engine.
            results.Add(new Point(ef, found / (10.0 * q), q / seconds, q / seconds));
        }
        return new EngineRun("RagPlatform HNSW (C#)", build, index.MemoryBytes, results);
    }

    private static async Task<EngineRun> RunFaissAsync(string basePath, string queryPath, int m, int efConstruct, string truthPath,
        int[] efs, int single, CancellationToken cancellationToken)
    {
        var script = Path.Combine(RepositoryRoot.Find(), "bench", "ann", "faiss_hnsw.py");
        // Debian's interpreter: python3-faiss installs into it, not into other Pythons on PATH.
        var python = File.Exists("/usr/bin/python3") ? "/usr/bin/python3" : "python3";
        // FAISS's own one-thread setting governs the index; keep BLAS for the ground truth from oversubscribing.
        var output = await ExternalProcess.RunAsync(python,
            [script, basePath, queryPath, GloveVectors.Dimension.ToString(), m.ToString(), efConstruct.ToString(), truthPath, string.Join(',', efs), single.ToString()],
            environment: new Dictionary<string, string> { ["OMP_NUM_THREADS"] = Environment.ProcessorCount.ToString() },
            hint: "is python3-faiss installed? apt-get install -y python3-faiss", cancellationToken: cancellationToken);
        using var document = JsonDocument.Parse(output);
        var root = document.RootElement;
        return new EngineRun(root.GetProperty("engine").GetString()!, root.GetProperty("build_seconds").GetDouble(), root.GetProperty("index_bytes").GetInt64(),
            root.GetProperty("results").EnumerateArray().Select(r => new Point(r.GetProperty("ef").GetInt32(), r.GetProperty("recall_at_10").GetDouble(),
                r.GetProperty("qps_single").GetDouble(), r.GetProperty("qps_batched").GetDouble())).ToList());
    }

    private static void Report(int baseCount, int queryCount, EngineRun ours, EngineRun faiss, bool json)
    {
        // The goal compares speed where each engine first reaches recall@10 ≥ 0.95.
        Point? First(EngineRun run) => run.Results.FirstOrDefault(r => r.Recall >= 0.95);
        var (a, b) = (First(ours), First(faiss));
        string verdict = a is null || b is null ? "one engine never reached recall@10 0.95"
            : $"at recall@10 ≥ 0.95: ours {a.QpsSingle:0} qps (ef {a.Ef}) vs FAISS {b.QpsSingle:0} qps one at a time (ef {b.Ef}), {a.QpsSingle / b.QpsSingle:0.00}×; build {ours.BuildSeconds / faiss.BuildSeconds:0.00}× FAISS's time";
        if (json)
        {
            Console.WriteLine(JsonSerializer.Serialize(new { machine = MachineInfo.Describe(), base_vectors = baseCount, queries = queryCount, ours, faiss, verdict }));
            return;
        }
        var table = new Table().Border(TableBorder.Rounded).Title($"rag bench ann: GloVe 100-d, {baseCount} vectors, {queryCount} queries, one thread");
        table.AddColumns("ef", "recall@10 ours", "qps ours", "recall@10 FAISS", "qps FAISS (1 at a time)", "qps FAISS (batched)");
        foreach (var (o, f) in ours.Results.Zip(faiss.Results))
            table.AddRow(o.Ef.ToString(), o.Recall.ToString("0.0000"), o.QpsSingle.ToString("0"), f.Recall.ToString("0.0000"), f.QpsSingle.ToString("0"), f.QpsBatched.ToString("0"));
        AnsiConsole.Write(table);
        AnsiConsole.WriteLine($"build: ours {ours.BuildSeconds:0.0} s, FAISS {faiss.BuildSeconds:0.0} s; memory: ours {ours.MemoryBytes / 1048576.0:0} MiB, FAISS {faiss.MemoryBytes / 1048576.0:0} MiB");
        AnsiConsole.WriteLine(verdict);
        AnsiConsole.MarkupLine($"[grey]machine: {Markup.Escape(MachineInfo.Describe())}[/]");
    }
}
