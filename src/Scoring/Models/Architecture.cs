namespace TokenClean.Scoring.Models;

/// <summary>Decoder architectures the engine implements, by their HF <c>architectures[0]</c> name.</summary>
public enum Architecture
{
    /// <summary>LlamaForCausalLM (Llama 2, Llama 3.x with llama3 rope scaling).</summary>
    Llama,

    /// <summary>MistralForCausalLM (Llama layout, optional sliding window).</summary>
    Mistral,

    /// <summary>Qwen2ForCausalLM (q/k/v biases).</summary>
    Qwen2,

    /// <summary>Qwen3ForCausalLM (per-head q/k RMSNorm before RoPE, explicit head_dim).</summary>
    Qwen3,

    /// <summary>GPT2LMHeadModel (learned positions, Conv1D weights, gelu_new, layer norms).</summary>
    Gpt2,
}
