using System.Text.Json;
using TokenClean.Ingest.Samples;
using TokenClean.Ingest.Templates.Jinja;

namespace TokenClean.Ingest.Templates;

/// <summary>
/// A chat template: Jinja source plus the special-token strings it is rendered with, and the end-of-turn marker
/// that closes an assistant turn (the last thing the response mask covers). Immutable and thread-safe.
/// </summary>
public sealed class ChatTemplate
{
    /// <summary>End-of-turn markers tried, in order, when a template does not name one (after the EOS token).</summary>
    private static readonly string[] KnownEndOfTurn =
        ["<|im_end|>", "<|eot_id|>", "<end_of_turn>", "<|end|>", "<｜end▁of▁sentence｜>", "<|endoftext|>", "<|end_of_text|>", "</s>"];

    private const string ProbeResponse = "tokenclean-probe-response";

    private readonly JinjaTemplate template;

    private ChatTemplate(string name, JinjaTemplate template, string bosToken, string eosToken, string? endOfTurn)
    {
        Name = name;
        this.template = template;
        BosToken = bosToken;
        EosToken = eosToken;
        EndOfTurn = endOfTurn ?? DetectEndOfTurn();
        HasGenerationPrompt = DetectGenerationPrompt();
    }

    /// <summary>The built-in name, or the model directory the template came from.</summary>
    public string Name { get; }

    /// <summary>The Jinja source.</summary>
    public string Source => template.Source;

    /// <summary>The <c>bos_token</c> variable.</summary>
    public string BosToken { get; }

    /// <summary>The <c>eos_token</c> variable.</summary>
    public string EosToken { get; }

    /// <summary>
    /// The text that ends an assistant turn and belongs to the response (e.g. <c>&lt;|im_end|&gt;</c>), or null when the
    /// template has none (the response then ends where the template's output for the turn ends, trailing whitespace excluded).
    /// </summary>
    public string? EndOfTurn { get; }

    /// <summary>
    /// True when <c>add_generation_prompt</c> changes the output (the template writes the assistant header itself).
    /// When false, the response of a turn starts where its (whitespace-trimmed) content is found.
    /// </summary>
    public bool HasGenerationPrompt { get; }

    /// <summary>A built-in template (<see cref="NamedChatTemplates.Names"/>); BOS/EOS default to the family's tokens.</summary>
    /// <exception cref="ArgumentException">Unknown name.</exception>
    public static ChatTemplate Named(string name, string? bosToken = null, string? eosToken = null)
    {
        ArgumentNullException.ThrowIfNull(name);
        if (!NamedChatTemplates.TryGet(name, out var source, out var bos, out var eos, out var eot))
        {
            throw new ArgumentException($"Unknown chat template '{name}'; known: {string.Join(", ", NamedChatTemplates.Names)}", nameof(name));
        }

        eos = eosToken ?? eos;
        return new ChatTemplate(name, JinjaTemplate.Parse(source), bosToken ?? bos, eos, eot == "</s>" ? eos : eot);
    }

    /// <summary>
    /// The template a configuration asks for: <paramref name="name"/> null, empty or <c>"model"</c> takes the model's
    /// own (<see cref="FromModelDirectory"/>); a built-in name takes that template with the BOS/EOS tokens of the
    /// model's <c>tokenizer_config.json</c> when there is one (so <c>tulu</c> on a Llama 3 model ends turns with its EOS).
    /// </summary>
    /// <exception cref="ArgumentException">Unknown name, or neither a name nor a model directory.</exception>
    /// <exception cref="InvalidDataException">The model has no template of its own.</exception>
    public static ChatTemplate Resolve(string? name, string? modelDirectory)
    {
        if (string.IsNullOrEmpty(name) || name == "model")
        {
            return modelDirectory is null
                ? throw new ArgumentException("no chat template name and no model directory", nameof(modelDirectory))
                : FromModelDirectory(modelDirectory);
        }

        string? bos = null, eos = null;
        var configPath = modelDirectory is null ? null : Path.Combine(modelDirectory, "tokenizer_config.json");
        if (configPath is not null && File.Exists(configPath))
        {
            using var doc = JsonDocument.Parse(File.ReadAllText(configPath));
            bos = TokenString(doc.RootElement, "bos_token") is { Length: > 0 } b ? b : null;
            eos = TokenString(doc.RootElement, "eos_token") is { Length: > 0 } e ? e : null;
        }

        return Named(name, bos, eos);
    }

    /// <summary>A template from Jinja source.</summary>
    /// <exception cref="JinjaException">The source does not parse.</exception>
    public static ChatTemplate FromSource(string name, string source, string bosToken, string eosToken, string? endOfTurn = null) =>
        new(name, JinjaTemplate.Parse(source), bosToken, eosToken, endOfTurn);

    /// <summary>
    /// The model's own template: <c>chat_template.jinja</c> in <paramref name="directory"/> if present, else
    /// <c>chat_template</c> of <c>tokenizer_config.json</c> (a string, or a list of {name, template} where "default" is used).
    /// </summary>
    /// <exception cref="InvalidDataException">No template, or an unreadable configuration.</exception>
    public static ChatTemplate FromModelDirectory(string directory)
    {
        var configPath = Path.Combine(directory, "tokenizer_config.json");
        var config = File.Exists(configPath) ? File.ReadAllText(configPath) : "{}";
        var jinjaPath = Path.Combine(directory, "chat_template.jinja");
        var overrideSource = File.Exists(jinjaPath) ? File.ReadAllText(jinjaPath) : null;
        return FromTokenizerConfig(config, directory, overrideSource);
    }

    /// <summary>The template of a <c>tokenizer_config.json</c> document.</summary>
    /// <exception cref="InvalidDataException">No template, or an unreadable configuration.</exception>
    public static ChatTemplate FromTokenizerConfig(string json, string name = "tokenizer_config", string? source = null)
    {
        using var doc = JsonDocument.Parse(json);
        var root = doc.RootElement;
        source ??= root.TryGetProperty("chat_template", out var t) ? SelectTemplate(t) : null;
        if (source is null)
        {
            throw new InvalidDataException($"{name}: no chat_template; choose a built-in one ({string.Join(", ", NamedChatTemplates.Names)})");
        }

        return new ChatTemplate(name, JinjaTemplate.Parse(source), TokenString(root, "bos_token"), TokenString(root, "eos_token"), null);
    }

    private static string? SelectTemplate(JsonElement t)
    {
        if (t.ValueKind == JsonValueKind.String)
        {
            return t.GetString();
        }

        if (t.ValueKind == JsonValueKind.Array)
        {
            foreach (var item in t.EnumerateArray())
            {
                if (item.TryGetProperty("name", out var n) && n.GetString() == "default" && item.TryGetProperty("template", out var s))
                {
                    return s.GetString();
                }
            }
        }

        return null;
    }

    // bos_token/eos_token are a string, an AddedToken object {"content": ...}, or null.
    private static string TokenString(JsonElement root, string field) =>
        !root.TryGetProperty(field, out var e) ? string.Empty
        : e.ValueKind == JsonValueKind.String ? e.GetString()!
        : e.ValueKind == JsonValueKind.Object && e.TryGetProperty("content", out var c) && c.ValueKind == JsonValueKind.String ? c.GetString()!
        : string.Empty;

    /// <summary>Renders a conversation.</summary>
    /// <exception cref="JinjaException">The template failed or rejected the conversation (raise_exception).</exception>
    public string Render(IReadOnlyList<ChatMessage> messages, bool addGenerationPrompt)
    {
        ArgumentNullException.ThrowIfNull(messages);
        return template.Render(Variables(messages, 0, messages.Count, addGenerationPrompt));
    }

    /// <summary>Renders <c>messages[start..start+count]</c> (for prefix rendering without copying the list).</summary>
    internal string Render(IReadOnlyList<ChatMessage> messages, int count, bool addGenerationPrompt) =>
        template.Render(Variables(messages, 0, count, addGenerationPrompt));

    /// <summary>The variables a template sees, as transformers passes them (tools = None).</summary>
    public IReadOnlyDictionary<string, object?> Variables(IReadOnlyList<ChatMessage> messages, int start, int count, bool addGenerationPrompt)
    {
        ArgumentNullException.ThrowIfNull(messages);
        var list = new List<object?>(count);
        for (var i = start; i < start + count; i++)
        {
            list.Add(new OrderedDictionary<string, object?>(StringComparer.Ordinal) { ["role"] = messages[i].Role, ["content"] = messages[i].Content });
        }

        return new Dictionary<string, object?>(StringComparer.Ordinal)
        {
            ["messages"] = list,
            ["bos_token"] = BosToken,
            ["eos_token"] = EosToken,
            ["add_generation_prompt"] = addGenerationPrompt,
            ["tools"] = null,
        };
    }

    private bool DetectGenerationPrompt()
    {
        try
        {
            ChatMessage[] probe = [new ChatMessage(ChatMessage.User, "tokenclean-probe-prompt")];
            return Render(probe, addGenerationPrompt: true) != Render(probe, addGenerationPrompt: false);
        }
        catch (JinjaException)
        {
            return true;
        }
    }

    private string? DetectEndOfTurn()
    {
        // Render a one-exchange conversation and look at what follows the response text.
        string text;
        try
        {
            text = Render([new ChatMessage(ChatMessage.User, "tokenclean-probe-prompt"), new ChatMessage(ChatMessage.Assistant, ProbeResponse)], addGenerationPrompt: false);
        }
        catch (JinjaException)
        {
            return null;
        }

        var at = text.LastIndexOf(ProbeResponse, StringComparison.Ordinal);
        if (at < 0)
        {
            return null;
        }

        var after = text.AsSpan(at + ProbeResponse.Length);
        if (EosToken.Length > 0 && after.StartsWith(EosToken, StringComparison.Ordinal))
        {
            return EosToken;
        }

        foreach (var marker in KnownEndOfTurn)
        {
            if (after.StartsWith(marker, StringComparison.Ordinal))
            {
                return marker;
            }
        }

        return null;
    }
}
