package rules_test

import (
	"fmt"
	"time"

	"github.com/ithc/ithc/healthcert"
	"github.com/ithc/ithc/rules"
	"github.com/ithc/ithc/verify"
)

func ExampleParseRule() {
	r, err := rules.ParseRule([]byte(`{"Identifier":"TR-CN-0001","Type":"Acceptance","Country":"CN","Version":"1.0.0",
		"SchemaVersion":"1.0.0","Engine":"CERTLOGIC","EngineVersion":"0.7.5","CertificateType":"Test",
		"Description":[{"lang":"en","desc":"The nucleic-acid test must be negative."},{"lang":"zh","desc":"核酸检测结果必须为阴性，阳性或不确定的结果不予接受。"}],
		"ValidFrom":"2026-01-01T00:00:00Z","ValidTo":"2030-01-01T00:00:00Z","AffectedFields":["events.result"],
		"Logic":{"===":[{"var":"payload.events.0.result"},"negative"]}}`))
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(r, r.CertificateType, r.DescriptionIn("zh-cn"))
	_, err = rules.ParseRule([]byte(`{"Identifier":"TR-CN-0001","Type":"Acceptance"}`))
	fmt.Println(err != nil)
	// Output:
	// TR-CN-0001 1.0.0 Test 核酸检测结果必须为阴性，阳性或不确定的结果不予接受。
	// true
}

func ExampleEvaluator_Evaluate() {
	set, err := rules.Examples() // GR-CN-0001 (entry policy) and GR-CN-0002 (travel document)
	if err != nil {
		panic(err)
	}
	ev := rules.NewEvaluator(set, rules.EvaluatorOptions{})
	now := time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)
	cert := &healthcert.Certificate{
		Holder: healthcert.Holder{Name: healthcert.Name{Family: "张", Given: "伟"}},
		Events: []healthcert.Event{&healthcert.Recovery{FirstPositive: healthcert.Date{Year: 2026, Month: 4, Day: 1}}},
	}
	out, err := ev.Evaluate(&verify.RuleContext{Country: "CN", Now: now, Certificate: cert})
	if err != nil {
		panic(err)
	}
	for _, o := range out {
		fmt.Println(o.Identifier, o.Version, o.Result)
	}
	// Output:
	// GR-CN-0001 1.0.0 passed
	// GR-CN-0002 1.0.0 failed
}

func ExampleRunTests() {
	rep, err := rules.RunTests("examples")
	if err != nil {
		panic(err)
	}
	fmt.Printf("rules: %d/%d rule tests passed\n", rep.Passed, rep.Total)
	// Output:
	// rules: 21/21 rule tests passed
}
