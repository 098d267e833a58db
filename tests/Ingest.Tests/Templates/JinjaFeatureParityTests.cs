using System.Text.Json.Nodes;
using TokenClean.Ingest.Templates.Jinja;

namespace TokenClean.Ingest.Tests.Templates;

/// <summary>
/// Small templates, one language feature each, rendered by the C# interpreter and by @huggingface/jinja: outputs
/// must be identical, and where the oracle fails the interpreter must fail too.
/// </summary>
public sealed class JinjaFeatureParityTests
{
    private const string Context = """
        {"messages":[{"role":"system","content":" S "},{"role":"user","content":"U1"},{"role":"assistant","content":"A1"},{"role":"user","content":"U2"}],
         "bos_token":"<s>","eos_token":"</s>","add_generation_prompt":true,"tools":null,"n":3,"x":2.5,"text":"  Hello, World  ",
         "obj":{"b":1,"a":[1,2,{"k":"v"}],"s":"q\"uote"},"empty":[],"flag":false}
        """;

    private static readonly string[] Snippets =
    [
        "{{ messages[0].role }}|{{ messages[-1]['content'] }}|{{ messages | length }}",
        "{% for m in messages[1:] %}{{ loop.index0 }}{{ m.role }}{% if not loop.last %},{% endif %}{% endfor %}",
        "{% for m in messages[::-1] %}{{ m.content }}{% endfor %}|{{ messages[1:3] | length }}|{{ messages[:-1][-1].content }}",
        "{% for m in messages %}{{ loop.index }}/{{ loop.length }}/{{ loop.revindex0 }}/{{ loop.first }} {% endfor %}",
        "{%- set ns = namespace(found=false, count=0) -%}{%- for m in messages -%}{%- if m.role == 'user' -%}{%- set ns.found = true -%}{%- set ns.count = ns.count + 1 -%}{%- endif -%}{%- endfor -%}{{ ns.found }}{{ ns.count }}",
        "{% if messages[0].role == 'system' %}sys{% elif messages[0].role == 'user' %}usr{% else %}other{% endif %}",
        "a  {{- ' b ' -}}  c\n  {%- if true %}  d  {% endif -%}\n  e",
        "line1\n    {% if true %}\n    inner\n    {% endif %}\nline2\n",
        "{# a comment #}x{#- trimmed -#}  y",
        "{{ text | trim }}|{{ text.strip() }}|{{ text.lstrip() }}|{{ text.rstrip() }}|{{ text | upper }}|{{ text | lower }}",
        "{{ text.split(',') | length }}|{{ text.split() | join('_') }}|{{ 'a,b,c'.split(',', 1) | tojson }}|{{ text.replace('l', 'L') }}",
        "{{ text.startswith('  He') }}{{ text.endswith(('x', '  ')) }}{{ 'lo' in text }}{{ 'zz' not in text }}",
        "{{ obj | tojson }}|{{ obj | tojson(indent=2) }}|{{ messages[0] | tojson }}",
        "{{ obj.missing is defined }}{{ obj.b is defined }}{{ tools is none }}{{ obj.s is string }}{{ n is number }}{{ n is integer }}{{ obj is mapping }}{{ empty is iterable }}{{ n is odd }}{{ -3 | abs }}{{ -2.5 | abs }}",
        "{{ obj.missing | default('dflt') }}|{{ '' | default('e', true) }}|{{ flag | default('unused') }}",
        "{% for k, v in obj.items() %}{{ k }}={{ v | string }};{% endfor %}|{{ obj | items | length }}",
        "{{ n + 1 }} {{ n - 5 }} {{ n * 2 }} {{ n / 2 }} {{ n // 2 }} {{ n % 2 }} {{ x * 2 }} {{ 'ab' ~ n }} {{ 'a' + 'b' }} {{ -n }}",
        "{{ 'yes' if n > 2 else 'no' }}|{{ 'y' if flag }}|{{ n > 2 and flag }}|{{ flag or 'fallback' }}|{{ not flag }}",
        "{{ messages | selectattr('role', 'equalto', 'user') | map(attribute='content') | join(',') }}|{{ messages | rejectattr('role', 'equalto', 'user') | list | length }}",
        "{% macro turn(role, content='?') %}[{{ role }}:{{ content }}]{% endmacro %}{{ turn('u', 'hi') }}{{ turn('a') }}{{ turn(content='c', role='r') }}",
        "{% set greeting %}hi {{ messages[1].content }}{% endset %}{{ greeting | upper }}",
        "{% for i in range(3) %}{{ i }}{% endfor %}{% for i in range(1, 7, 2) %}{{ i }}{% endfor %}",
        "{% for m in messages if m.role != 'system' %}{{ m.content }}{% else %}none{% endfor %}{% for e in empty %}x{% else %}EMPTY{% endfor %}",
        "{% for m in messages %}{% if loop.index0 == 2 %}{% break %}{% endif %}{{ m.role }}{% endfor %}|{% for m in messages %}{% if m.role == 'user' %}{% continue %}{% endif %}{{ m.role }}{% endfor %}",
        "{{ \"double\\n\" }}{{ 'single\\'s' }}{{ '\\u00e9' }}{{ 'a' 'b' }}",
        "{{ [1, 2, 3] | reverse | list | tojson }}{{ (1, 2) | length }}{{ {'k': 'v'}['k'] }}{{ [1, 2] + [3] }}",
        "{{ obj.a[2].k }}{{ obj['a'][0] }}{{ obj.get('b') }}{{ obj.get('zz', 'dd') }}{{ obj.keys() | list | length }}",
        "{{ messages[0].content | trim | length }}{{ 'abc'[1] }}{{ 'abcdef'[1:4] }}{{ 'abcdef'[::-2] }}",
        "{{ raise_exception('boom') }}",
        "{{ undefined_thing.attr }}[{{ undefined_thing }}]{{ none }}{{ true }}{{ 1.0 }}{{ 2.50 }}",
        "{% if n == 3.0 %}eq{% endif %}{% if obj.missing == none %}undef-is-none{% endif %}{{ 1 == '1' }}",
        "{{ 'x' | capitalize }}{{ 'hello world' | title if false else 'T' }}{{ [3, 1, 2] | first }}{{ [3, 1, 2] | last }}{{ [1, 2] | list | length }}",
    ];

    [Fact]
    public void Render_EverySnippet_MatchesHuggingFaceJinja()
    {
        var sources = Snippets;
        var oracle = NodeOracle.Render(sources.Select(src => (src, JsonNode.Parse(Context)!.AsObject())));
        using var doc = System.Text.Json.JsonDocument.Parse(Context);
        var vars = new Dictionary<string, object?>();
        foreach (var p in doc.RootElement.EnumerateObject())
        {
            vars[p.Name] = p.Value.Clone();
        }

        var failures = new List<string>();
        for (var i = 0; i < sources.Length; i++)
        {
            string? ours = null;
            string? ourError = null;
            try
            {
                ours = JinjaTemplate.Parse(sources[i]).Render(vars);
            }
            catch (JinjaException e)
            {
                ourError = e.Message;
            }

            var (ok, error) = oracle[i];
            if (ok is null && ours is not null)
            {
                failures.Add($"{sources[i]}\n  oracle failed ({error}) but we rendered: {ours}");
            }
            else if (ok is not null && ours != ok)
            {
                failures.Add($"{sources[i]}\n  expected: {ok}\n  actual:   {ours ?? "error: " + ourError}");
            }
        }

        Assert.True(failures.Count == 0, string.Join("\n", failures));
    }
}
