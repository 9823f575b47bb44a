using Google.Protobuf.WellKnownTypes;
using RagPlatform.Contracts.Vectors.V1;
using RagPlatform.ServiceDefaults.Errors;
using RagPlatform.VectorSearch.Engine.Filtering;
using Range = RagPlatform.Contracts.Vectors.V1.Range;

namespace RagPlatform.Tests.Unit;

public sealed class FilterEvaluatorTests
{
    private static readonly Struct Payload = Struct.Parser.ParseJson("""
        {"lang": "en", "year": 2021, "tags": ["bio", "med"], "open": true,
         "meta": {"published": "2021-06-01T00:00:00Z"}}
        """);

    private static Condition Field(FieldCondition f) => new() { Field = f };

    [Fact]
    public void Match_any_except_range_and_nested_keys()
    {
        Assert.True(Matches(new Filter { Must = { Field(new() { Key = "lang", Match = new MatchValue { Keyword = "en" } }) } }));
        Assert.True(Matches(new Filter { Must = { Field(new() { Key = "year", Match = new MatchValue { Integer = 2021 } }) } }));
        Assert.True(Matches(new Filter { Must = { Field(new() { Key = "open", Match = new MatchValue { Boolean = true } }) } }));
        Assert.True(Matches(new Filter { Must = { Field(new() { Key = "tags", Any = new MatchAny { Keywords = { "x", "med" } } }) } }));
        Assert.False(Matches(new Filter { Must = { Field(new() { Key = "tags", Except = new MatchAny { Keywords = { "bio" } } }) } }));
        Assert.True(Matches(new Filter { Must = { Field(new() { Key = "year", Range = new Range { Gte = 2020, Lt = 2022 } }) } }));
        Assert.False(Matches(new Filter { Must = { Field(new() { Key = "year", Range = new Range { Gt = 2021 } }) } }));
        Assert.True(Matches(new Filter { Must = { Field(new() { Key = "meta.published", DatetimeRange = new DatetimeRange { Gte = Timestamp.FromDateTime(new DateTime(2021, 1, 1, 0, 0, 0, DateTimeKind.Utc)) } }) } }));
        Assert.False(Matches(new Filter { Must = { Field(new() { Key = "missing", Match = new MatchValue { Keyword = "en" } }) } }));
    }

    [Fact]
    public void Should_needs_one_and_must_not_excludes()
    {
        var en = Field(new() { Key = "lang", Match = new MatchValue { Keyword = "en" } });
        var de = Field(new() { Key = "lang", Match = new MatchValue { Keyword = "de" } });
        Assert.True(Matches(new Filter { Should = { de, en } }));
        Assert.False(Matches(new Filter { Should = { de } }));
        Assert.False(Matches(new Filter { MustNot = { en } }));
        Assert.True(Matches(new Filter { Must = { new Condition { Filter = new Filter { MustNot = { de } } } } }));
        Assert.True(FilterEvaluator.Matches(new Filter { Must = { new Condition { HasId = new HasIdCondition { Ids = { "p1" } } } } }, "p1", Payload));
    }

    [Fact]
    public void Malformed_filters_name_the_condition_at_fault()
    {
        var error = Assert.Throws<InvalidArgumentException>(() => FilterValidator.Validate(
            new Filter { Must = { Field(new() { Key = "lang", Match = new MatchValue { Keyword = "en" } }), Field(new() { Key = "year", Range = new Range() }) } }, "filter"));
        Assert.Equal("filter.must[1].field.range", error.Field);
        error = Assert.Throws<InvalidArgumentException>(() => FilterValidator.Validate(new Filter { Should = { new Condition() } }, "filter"));
        Assert.Equal("filter.should[0]", error.Field);
        error = Assert.Throws<InvalidArgumentException>(() => FilterValidator.Validate(
            new Filter { MustNot = { Field(new() { Key = "", Match = new MatchValue { Keyword = "x" } }) } }, "filter"));
        Assert.Equal("filter.must_not[0].field.key", error.Field);
    }

    private static bool Matches(Filter filter) => FilterEvaluator.Matches(filter, "id", Payload);
}
