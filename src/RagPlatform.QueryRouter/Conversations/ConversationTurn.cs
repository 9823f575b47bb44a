namespace RagPlatform.QueryRouter.Conversations;

/// <summary>One question and answer of a conversation: as asked, as searched, and the answer given.</summary>
public sealed record ConversationTurn(string Question, string StandaloneQuestion, string Answer);
