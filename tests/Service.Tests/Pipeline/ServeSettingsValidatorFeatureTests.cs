using TokenClean.Service.Pipeline;

namespace TokenClean.Service.Tests.Pipeline;

/// <summary>Start-up checks of the scorer devices, the Kafka output and the control topic: each error names its key.</summary>
public sealed class ServeSettingsValidatorFeatureTests
{
    [Theory]
    [InlineData("cpu,gpu0", "TokenClean:Models:Devices: 'gpu0' is not a device")]
    [InlineData("cpu,cuda:x", "TokenClean:Models:Devices: 'cuda:x' is not a device")]
    [InlineData(" , ", "TokenClean:Models:Devices lists no device")]
    public void Check_BadDevices_NamesTheKey(string devices, string expected)
    {
        var errors = ServeSettingsValidator.Check(new ServeSettings { Models = { Devices = devices } });
        Assert.Contains(errors, e => e.StartsWith(expected, StringComparison.Ordinal));
    }

    [Fact]
    public void Check_UnusableDevice_NamesTheKeyAndTheEnginesReason()
    {
        // A CPU-only libtorch refuses CUDA; a GPU machine with fewer than 100 devices refuses cuda:99.
        var errors = ServeSettingsValidator.Check(new ServeSettings { Models = { Devices = "cpu,cuda:99" } });
        Assert.Contains(errors, e => e.StartsWith("TokenClean:Models:Devices: device 'cuda:99' is not usable here: ", StringComparison.Ordinal));
    }

    [Fact]
    public void Check_ADTypeTheDeviceDoesNotOffer_NamesTheKeyAndWhatItOffers()
    {
        var errors = ServeSettingsValidator.Check(new ServeSettings { Models = { Device = "cpu", DType = "fp16" } });
        if (TokenClean.Scoring.Torch.ComputeDTypes("cpu").Contains(TokenClean.Scoring.DType.Float16))
        {
            Assert.DoesNotContain(errors, e => e.Contains("Models:DType", StringComparison.Ordinal)); // this CPU has fp16 units
            return;
        }

        Assert.Contains("TokenClean:Models:DType: fp16 is not supported on cpu (this CPU has no AVX512-FP16 or AMX-FP16); supported: fp32, bf16", errors);
        Assert.DoesNotContain(ServeSettingsValidator.Check(new ServeSettings { Models = { Device = "cpu", DType = "bf16" } }), e => e.Contains("Models:DType", StringComparison.Ordinal));
    }

    [Fact]
    public void Check_TwoCpuDevices_IsAccepted()
    {
        var settings = new ServeSettings { Models = { Devices = "cpu, cpu" } };
        Assert.DoesNotContain(ServeSettingsValidator.Check(settings), e => e.Contains("Models:Device", StringComparison.Ordinal));
        Assert.Equal(["cpu", "cpu"], settings.Models.DeviceList);
    }

    [Fact]
    public void Check_NoDevices_UsesTheSingleDevice()
    {
        var settings = new ServeSettings { Models = { Device = "cpu" } };
        Assert.Equal(["cpu"], settings.Models.DeviceList);
        Assert.DoesNotContain(ServeSettingsValidator.Check(settings), e => e.Contains("Models:Device", StringComparison.Ordinal));
    }

    [Fact]
    public void Check_ControlTopicWithAFixedReference_NamesTheKey()
    {
        var errors = ServeSettingsValidator.Check(new ServeSettings { Models = { ReferenceControlTopic = "tokenclean.reference" } });
        Assert.Contains(errors, e => e.StartsWith("TokenClean:Models:ReferenceControlTopic (--ref-control-topic) announces versions of Models:ReferenceRoot", StringComparison.Ordinal));
    }

    [Fact]
    public void Check_NoLakeRowsWithoutAnOutputTopic_NamesTheKey()
    {
        var errors = ServeSettingsValidator.Check(new ServeSettings { Output = { LakeRows = false } });
        Assert.Contains(errors, e => e.StartsWith("TokenClean:Output:LakeRows is false but Output:Topic", StringComparison.Ordinal));
        Assert.DoesNotContain(
            ServeSettingsValidator.Check(new ServeSettings { Output = { LakeRows = false, Topic = "cleaned" } }),
            e => e.Contains("Output:", StringComparison.Ordinal));
    }

    [Fact]
    public void Check_ThresholdSelectionWithoutAThreshold_NamesTheKey_AndTheOptionsReachTheOneFactory()
    {
        var errors = ServeSettingsValidator.Check(new ServeSettings { Selection = { Mode = "threshold" } });
        Assert.Contains(errors, e => e.StartsWith("TokenClean:Selection:Threshold is required", StringComparison.Ordinal));
        Assert.Contains(
            ServeSettingsValidator.Check(new ServeSettings { Selection = { MinKeptPerSample = -1, SoftWeightTemperature = 0 } }),
            e => e.StartsWith("TokenClean:Selection:MinKeptPerSample", StringComparison.Ordinal));

        var settings = new ServeSettings { Selection = { Mode = "threshold", Threshold = 0.5, MinKeptPerSample = 2, SoftWeights = true, SoftWeightTemperature = 0.25 } };
        Assert.DoesNotContain(ServeSettingsValidator.Check(settings), e => e.Contains("Selection:", StringComparison.Ordinal));
        Assert.Equal("threshold(0.5)+min-kept(2)+soft-weights(tau=0.25)", settings.Selection.CreatePolicy().Mode);
    }
}
