namespace RagPlatform.Tests.Infrastructure;

/// <summary>Tests that start many processes run alone, so a 2-core machine is not oversubscribed.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class NonParallel
{
    public const string Name = "processes";
}
