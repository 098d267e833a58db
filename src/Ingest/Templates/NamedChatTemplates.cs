namespace TokenClean.Ingest.Templates;

/// <summary>
/// Jinja sources of the built-in templates for models that ship none. Each marks the end of an assistant turn with
/// a token the mask includes (see <see cref="ChatTemplate.EndOfTurn"/>).
/// </summary>
public static class NamedChatTemplates
{
    /// <summary>ChatML (Qwen, OpenHermes): <c>&lt;|im_start|&gt;role\ncontent&lt;|im_end|&gt;\n</c>.</summary>
    public const string ChatMl =
        "{% for message in messages %}{{ '<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>' + '\\n' }}{% endfor %}"
        + "{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}";

    /// <summary>Llama 3 instruct: header tokens, trimmed content, <c>&lt;|eot_id|&gt;</c>; BOS first.</summary>
    public const string Llama3 =
        "{{ bos_token }}{% for message in messages %}{{ '<|start_header_id|>' + message['role'] + '<|end_header_id|>\\n\\n' + message['content'] | trim + '<|eot_id|>' }}{% endfor %}"
        + "{% if add_generation_prompt %}{{ '<|start_header_id|>assistant<|end_header_id|>\\n\\n' }}{% endif %}";

    /// <summary>Llama 2 chat: <c>&lt;s&gt;[INST] &lt;&lt;SYS&gt;&gt;…&lt;&lt;/SYS&gt;&gt; user [/INST] answer &lt;/s&gt;</c>; the system prompt joins the first user turn.</summary>
    public const string Llama2 =
        "{% if messages[0]['role'] == 'system' %}{% set loop_messages = messages[1:] %}{% set system_message = '<<SYS>>\\n' + messages[0]['content'] | trim + '\\n<</SYS>>\\n\\n' %}"
        + "{% else %}{% set loop_messages = messages %}{% set system_message = '' %}{% endif %}"
        + "{% for message in loop_messages %}"
        + "{% if (message['role'] == 'user') != (loop.index0 % 2 == 0) %}{{ raise_exception('Conversation roles must alternate user/assistant/user/assistant/...') }}{% endif %}"
        + "{% if message['role'] == 'user' %}{{ bos_token + '[INST] ' + (system_message if loop.first else '') + message['content'] | trim + ' [/INST]' }}"
        + "{% elif message['role'] == 'assistant' %}{{ ' ' + message['content'] | trim + ' ' + eos_token }}{% endif %}"
        + "{% endfor %}";

    /// <summary>
    /// Tulu / open-instruct (the Token Cleaning paper's format): <c>&lt;|user|&gt;\n…\n&lt;|assistant|&gt;\n…eos</c>, a
    /// newline after every turn except a final assistant turn.
    /// </summary>
    public const string Tulu =
        "{% for message in messages %}"
        + "{% if message['role'] == 'system' %}{{ '<|system|>\\n' + message['content'] + '\\n' }}"
        + "{% elif message['role'] == 'user' %}{{ '<|user|>\\n' + message['content'] + '\\n' }}"
        + "{% elif message['role'] == 'assistant' %}{% if not loop.last %}{{ '<|assistant|>\\n' + message['content'] + eos_token + '\\n' }}"
        + "{% else %}{{ '<|assistant|>\\n' + message['content'] + eos_token }}{% endif %}{% endif %}"
        + "{% if loop.last and add_generation_prompt %}{{ '<|assistant|>\\n' }}{% endif %}"
        + "{% endfor %}";

    /// <summary>
    /// Stanford Alpaca: the fixed preamble (or the system message instead), then <c>### Instruction:</c> /
    /// <c>### Response:</c> blocks; each response ends with EOS.
    /// </summary>
    public const string Alpaca =
        "{% if messages[0]['role'] == 'system' %}{% set loop_messages = messages[1:] %}{{ messages[0]['content'] + '\\n\\n' }}"
        + "{% else %}{% set loop_messages = messages %}{{ 'Below is an instruction that describes a task. Write a response that appropriately completes the request.\\n\\n' }}{% endif %}"
        + "{% for message in loop_messages %}"
        + "{% if message['role'] == 'user' %}{{ '### Instruction:\\n' + message['content'] + '\\n\\n' }}"
        + "{% elif message['role'] == 'assistant' %}{{ '### Response:\\n' + message['content'] + eos_token + '\\n\\n' }}"
        + "{% else %}{{ raise_exception('Alpaca has no ' + message['role'] + ' turn after the first message') }}{% endif %}"
        + "{% endfor %}"
        + "{% if add_generation_prompt %}{{ '### Response:\\n' }}{% endif %}";

    /// <summary>The names <see cref="ChatTemplate.Named"/> accepts.</summary>
    public static IReadOnlyList<string> Names { get; } = ["chatml", "llama3", "llama2", "tulu", "alpaca"];

    /// <summary>The source, default BOS/EOS and end-of-turn marker of a named template; false for an unknown name.</summary>
    public static bool TryGet(string name, out string source, out string bos, out string eos, out string endOfTurn)
    {
        (source, bos, eos, endOfTurn) = name switch
        {
            "chatml" => (ChatMl, string.Empty, "<|im_end|>", "<|im_end|>"),
            "llama3" => (Llama3, "<|begin_of_text|>", "<|eot_id|>", "<|eot_id|>"),
            "llama2" => (Llama2, "<s>", "</s>", "</s>"),
            "tulu" => (Tulu, "<s>", "</s>", "</s>"),
            "alpaca" => (Alpaca, "<s>", "</s>", "</s>"),
            _ => (string.Empty, string.Empty, string.Empty, string.Empty),
        };
        return source.Length > 0;
    }
}
