using System.ComponentModel.DataAnnotations;

namespace RagPlatform.QueryRouter.Conversations;

/// <summary>Configuration section "QueryRouter:Conversations".</summary>
public sealed class ConversationOptions
{
    public const string Section = "QueryRouter:Conversations";

    /// <summary>How long a conversation is remembered after its last turn.</summary>
    public TimeSpan TimeToLive { get; set; } = TimeSpan.FromDays(1);

    /// <summary>Most recent turns kept per conversation.</summary>
    [Range(1, 1000)]
    public int MaxTurns { get; set; } = 20;

    /// <summary>Conversations kept in memory when there is no Redis.</summary>
    [Range(1, 10_000_000)]
    public int MaxMemoryConversations { get; set; } = 10_000;
}
