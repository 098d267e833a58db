using System.Buffers.Binary;
using System.Text;
using System.Text.Json.Nodes;
using TokenClean.Scoring.Checkpoints;
using TokenClean.Scoring.Models;
using TokenClean.Tests.Shared;

namespace TokenClean.Scoring.Tests.Checkpoints;

/// <summary>A bad checkpoint is refused with a message naming the file and the tensor, never a native crash.</summary>
[Collection("libtorch")]
public sealed class CheckpointValidationTests
{
    [Fact]
    public void Open_OfATruncatedFile_NamesTheFileAndTheTensorPastTheEnd()
    {
        using var tmp = Copy("llama", out var file);
        var bytes = File.ReadAllBytes(file);
        File.WriteAllBytes(file, bytes[..(bytes.Length - 100)]);

        var ex = Assert.Throws<CheckpointException>(() => CausalLm.Load(tmp.Path));
        Assert.Contains("model.safetensors", ex.Message, StringComparison.Ordinal);
        Assert.Contains("truncated", ex.Message, StringComparison.Ordinal);
        Assert.Contains("model.norm.weight", ex.Message, StringComparison.Ordinal); // the last tensor in sorted order
    }

    [Fact]
    public void Open_OfAFileShorterThanItsHeader_IsRefused()
    {
        using var tmp = Copy("llama", out var file);
        File.WriteAllBytes(file, File.ReadAllBytes(file)[..50]);

        var ex = Assert.Throws<CheckpointException>(() => CausalLm.Load(tmp.Path));
        Assert.Contains("header length", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Open_WhenShapeAndByteRangeDisagree_NamesTheTensor()
    {
        using var tmp = Copy("llama", out var file);
        RewriteHeader(file, h => h["model.norm.weight"]!["shape"] = new JsonArray(63));

        var ex = Assert.Throws<CheckpointException>(() => CausalLm.Load(tmp.Path));
        Assert.Contains("'model.norm.weight' is inconsistent", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_WithAMissingTensor_NamesItAndTheArchitecture()
    {
        using var tmp = Copy("qwen3", out var file);
        Rewrite(file, items => items.RemoveAll(i => i.Name == "model.layers.1.self_attn.k_norm.weight"));

        var ex = Assert.Throws<CheckpointException>(() => CausalLm.Load(tmp.Path));
        Assert.Contains("'model.layers.1.self_attn.k_norm.weight' is missing", ex.Message, StringComparison.Ordinal);
        Assert.Contains("Qwen3", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_WithAWrongShape_NamesTheTensorAndBothShapes()
    {
        using var tmp = Copy("llama", out var file);
        Rewrite(file, items =>
        {
            var i = items.FindIndex(x => x.Name == "model.layers.0.mlp.up_proj.weight");
            items[i] = items[i] with { Shape = [64, 128] }; // transposed: same bytes, wrong layout
        });

        var ex = Assert.Throws<CheckpointException>(() => CausalLm.Load(tmp.Path));
        Assert.Contains("'model.layers.0.mlp.up_proj.weight' has shape [64, 128]", ex.Message, StringComparison.Ordinal);
        Assert.Contains("[128, 64]", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_WithAnIntegerWeight_IsRefused()
    {
        using var tmp = Copy("llama", out var file);
        Rewrite(file, items =>
        {
            var i = items.FindIndex(x => x.Name == "model.norm.weight");
            items[i] = items[i] with { DType = DType.Int32 };
        });

        var ex = Assert.Throws<CheckpointException>(() => CausalLm.Load(tmp.Path));
        Assert.Contains("'model.norm.weight' has dtype Int32", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_OfAnUnknownArchitecture_ListsTheSupportedOnes()
    {
        using var tmp = Copy("llama", out _);
        var config = Path.Combine(tmp.Path, "config.json");
        File.WriteAllText(config, File.ReadAllText(config).Replace("LlamaForCausalLM", "FalconForCausalLM", StringComparison.Ordinal));

        var ex = Assert.Throws<CheckpointException>(() => CausalLm.Load(tmp.Path));
        Assert.Contains("'FalconForCausalLM' is not supported", ex.Message, StringComparison.Ordinal);
        Assert.Contains("Qwen3ForCausalLM", ex.Message, StringComparison.Ordinal);
        Assert.Contains("GPT2LMHeadModel", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_OfShards_GivesTheSameLossesAsOneFile()
    {
        using var tmp = Copy("mistral", out var file);
        var items = ReadAll(file);
        File.Delete(file);
        var half = items.Count / 2;
        SafetensorsWriter.Write(Path.Combine(tmp.Path, "model-00001-of-00002.safetensors"), items[..half]);
        SafetensorsWriter.Write(Path.Combine(tmp.Path, "model-00002-of-00002.safetensors"), items[half..]);
        var map = new JsonObject();
        for (var i = 0; i < items.Count; i++)
        {
            map[items[i].Name] = i < half ? "model-00001-of-00002.safetensors" : "model-00002-of-00002.safetensors";
        }

        File.WriteAllText(Path.Combine(tmp.Path, "model.safetensors.index.json"), new JsonObject { ["metadata"] = new JsonObject(), ["weight_map"] = map }.ToJsonString());
        var ids = TokenClean.Scoring.Tests.Models.TinyModels.Tokens(60, 3);

        using var sharded = CausalLm.Load(tmp.Path);
        using var single = CausalLm.Load(TokenClean.Scoring.Tests.Models.TinyModels.Dir("mistral"));
        Assert.Equal(single.TokenLosses([ids])[0], sharded.TokenLosses([ids])[0]);
    }

    [Fact]
    public void Load_OfGpt2WeightsWithoutTheTransformerPrefix_GivesTheSameLosses()
    {
        // The original GPT-2 files name tensors "h.0.attn..." and "wte.weight"; save_pretrained adds "transformer.".
        using var tmp = Copy("gpt2", out var file);
        Rewrite(file, items =>
        {
            for (var i = 0; i < items.Count; i++)
            {
                items[i] = items[i] with { Name = items[i].Name.Replace(WeightLayout.Gpt2Prefix, "", StringComparison.Ordinal) };
            }
        });
        var ids = TokenClean.Scoring.Tests.Models.TinyModels.Tokens(40, 8);

        using var stripped = CausalLm.Load(tmp.Path);
        using var original = CausalLm.Load(TokenClean.Scoring.Tests.Models.TinyModels.Dir("gpt2"));
        Assert.Equal(original.TokenLosses([ids])[0], stripped.TokenLosses([ids])[0]);
    }

    [Fact]
    public void Load_OfAShardIndexNamingAMissingShard_NamesTheShard()
    {
        using var tmp = Copy("llama", out var file);
        File.Delete(file);
        File.WriteAllText(Path.Combine(tmp.Path, "model.safetensors.index.json"), """{"weight_map": {"model.norm.weight": "model-00009-of-00009.safetensors"}}""");

        var ex = Assert.Throws<CheckpointException>(() => CausalLm.Load(tmp.Path));
        Assert.Contains("model-00009-of-00009.safetensors", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_AfterEachRefusal_LeavesNoLiveHandles()
    {
        var before = Torch.LiveTensors;
        using (var tmp = Copy("gpt2", out var file))
        {
            Rewrite(file, items => items.RemoveAll(i => i.Name == "transformer.ln_f.bias"));
            Assert.Throws<CheckpointException>(() => CausalLm.Load(tmp.Path));
        }

        Assert.Equal(before, Torch.LiveTensors);
    }

    private static TempDirectory Copy(string variant, out string file)
    {
        var tmp = new TempDirectory("scoring");
        var src = TokenClean.Scoring.Tests.Models.TinyModels.Dir(variant);
        File.Copy(Path.Combine(src, "config.json"), Path.Combine(tmp.Path, "config.json"));
        file = Path.Combine(tmp.Path, "model.safetensors");
        File.Copy(Path.Combine(src, "model.safetensors"), file);
        return tmp;
    }

    private static List<SafetensorsWriter.Item> ReadAll(string file)
    {
        using var f = SafetensorsFile.Open(file);
        return f.Entries.Values.OrderBy(e => e.Name, StringComparer.Ordinal).Select(e => new SafetensorsWriter.Item(e.Name, e.DType, e.Shape, f.RawBytes(e).ToArray())).ToList();
    }

    private static void Rewrite(string file, Action<List<SafetensorsWriter.Item>> change)
    {
        var items = ReadAll(file);
        change(items);
        SafetensorsWriter.Write(file, items);
    }

    private static void RewriteHeader(string file, Action<JsonObject> change)
    {
        var bytes = File.ReadAllBytes(file);
        var n = (int)BinaryPrimitives.ReadInt64LittleEndian(bytes);
        var header = JsonNode.Parse(Encoding.UTF8.GetString(bytes, 8, n))!.AsObject();
        change(header);
        var text = Encoding.UTF8.GetBytes(header.ToJsonString());
        var padded = (text.Length + 7) / 8 * 8;
        using var f = new FileStream(file, FileMode.Create);
        f.Write(BitConverter.GetBytes((long)padded));
        f.Write(text);
        f.Write(Encoding.ASCII.GetBytes(new string(' ', padded - text.Length)));
        f.Write(bytes.AsSpan(8 + n));
    }
}
