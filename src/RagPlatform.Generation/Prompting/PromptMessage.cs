namespace RagPlatform.Generation.Prompting;

public enum PromptRole { System, User, Assistant }

/// <summary>One message of a chat prompt, independent of the client library that sends it.</summary>
public sealed record PromptMessage(PromptRole Role, string Content);
