using Grpc.Core;
using RagPlatform.FineTuning.Datasets;
using RagPlatform.ServiceDefaults.Errors;

namespace RagPlatform.Tests.Unit;

public sealed class DatasetLeakageTests : IDisposable
{
    private readonly string directory = Directory.CreateTempSubdirectory("ragplatform-leak-").FullName;

    private string File(params string[] lines)
    {
        var path = Path.Combine(directory, Guid.NewGuid() + ".jsonl");
        System.IO.File.WriteAllLines(path, lines);
        return path;
    }

    [Fact]
    public void Queries_are_compared_normalised_and_a_repeated_pair_is_told_from_a_repeated_query()
    {
        var training = File(
            """{"query":"What grows by the wall?","positive":"Beans grow by the wall."}""",
            """{"query":"Which bed is wettest?","positive_id":"doc-7"}""",
            """{"query":"Who waters the Éclair roses?","positive":"The gardener does."}""");
        var validation = File(
            """{"query":"Where is the shed?","positive":"Behind the pond."}""",
            """{"query":"  what grows  BY the wall?","positive":"Leeks grow by the wall."}""",
            """{"query":"Which bed is wettest?","positive_id":"doc-7","negatives":["Bed 3."]}""",
            """{"query":"who waters the éclair\tROSES?","positive":"The  gardener does."}""");

        var overlaps = DatasetLeakage.OfRetrievalPairs(training, validation);

        Assert.Equal(
            [new(2, 1, "the same query"), new(3, 2, "the same query and positive"), new(4, 3, "the same query and positive")],
            overlaps);
    }

    [Fact]
    public void Nothing_shared_is_no_leak()
    {
        var training = File("""{"query":"a question","positive":"p"}""");
        var validation = File("""{"query":"another question","positive":"p"}""");
        Assert.Empty(DatasetLeakage.OfRetrievalPairs(training, validation));
        DatasetLeakage.Refuse([], "ds-a", "ds-b"); // no throw
    }

    [Fact]
    public void A_leak_is_refused_naming_both_datasets_and_their_lines()
    {
        var overlaps = Enumerable.Range(1, 7).Select(i => new DatasetLeakage.Overlap(i, i + 10, "the same query")).ToList();
        var error = Assert.Throws<FailedPreconditionException>(() => DatasetLeakage.Refuse(overlaps, "ds-train", "ds-valid"));
        Assert.Equal(StatusCode.FailedPrecondition, error.Code);
        Assert.Contains("'ds-train'", error.Message);
        Assert.Contains("'ds-valid'", error.Message);
        Assert.Contains("validation line 1 has the same query as training line 11", error.Message);
        Assert.Contains("validation line 5 has the same query as training line 15", error.Message);
        Assert.DoesNotContain("validation line 6 ", error.Message);
        Assert.Contains("and 2 more", error.Message);
    }

    [Fact]
    public void Identical_training_examples_are_found_by_their_lines()
    {
        Assert.Equal([new(2, 3, "the same example")], DatasetLeakage.OfExamples(["a", "b", "c"], ["x", "c"]));
    }

    public void Dispose() => Directory.Delete(directory, recursive: true);
}
