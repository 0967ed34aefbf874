package callsync

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gongsync/gongsync/internal/gong"
)

func TestRenderSummary(t *testing.T) {
	for _, test := range []struct {
		name    string
		content *gong.CallContent
		want    string
		wantOK  bool
	}{
		{name: "Nil", content: nil},
		{name: "OutcomeOnlyIsNoSummary", content: &gong.CallContent{CallOutcome: &gong.CallOutcome{Name: "Meeting booked"}}},
		{
			name: "Full",
			content: &gong.CallContent{
				Brief:     " Acme wants to renew.\r\nBudget is approved. ",
				KeyPoints: []gong.KeyPoint{{Text: "Renewal in May"}, {Text: "  "}, {Text: "Needs SSO"}},
				Highlights: []gong.Highlight{
					{Title: "Next steps", Items: []gong.HighlightItem{{Text: "Send quote"}, {Text: "Book demo"}}},
					{Title: "Empty", Items: []gong.HighlightItem{{Text: " "}}},
					{Items: []gong.HighlightItem{{Text: "Untitled item"}}},
				},
				CallOutcome: &gong.CallOutcome{ID: "MEETING_BOOKED", Category: "Answered", Name: "Meeting booked"},
			},
			want: "<p>Acme wants to renew.<br>Budget is approved.</p>" +
				"<h3>Key points</h3><ul><li>Renewal in May</li><li>Needs SSO</li></ul>" +
				"<h3>Next steps</h3><ul><li>Send quote</li><li>Book demo</li></ul>" +
				"<h3>Highlights</h3><ul><li>Untitled item</li></ul>" +
				"<p><strong>Outcome:</strong> Meeting booked</p>",
			wantOK: true,
		},
		{
			name:    "OutcomeCategoryWhenNoName",
			content: &gong.CallContent{KeyPoints: []gong.KeyPoint{{Text: "k"}}, CallOutcome: &gong.CallOutcome{Category: "Answered"}},
			want:    "<h3>Key points</h3><ul><li>k</li></ul><p><strong>Outcome:</strong> Answered</p>",
			wantOK:  true,
		},
		{
			name:    "BlankOutcomeLeftOut",
			content: &gong.CallContent{Brief: "b", CallOutcome: &gong.CallOutcome{ID: "X"}},
			want:    "<p>b</p>",
			wantOK:  true,
		},
		{
			name: "EverythingEscaped",
			content: &gong.CallContent{
				Brief:       `<script>alert("brief")</script> & more`,
				KeyPoints:   []gong.KeyPoint{{Text: `<script>alert('kp')</script>`}},
				Highlights:  []gong.Highlight{{Title: `<script>t</script>`, Items: []gong.HighlightItem{{Text: `<img src=x onerror=alert(1)>`}}}},
				CallOutcome: &gong.CallOutcome{Name: `<b>won</b>`},
			},
			want: `<p>&lt;script&gt;alert(&#34;brief&#34;)&lt;/script&gt; &amp; more</p>` +
				`<h3>Key points</h3><ul><li>&lt;script&gt;alert(&#39;kp&#39;)&lt;/script&gt;</li></ul>` +
				`<h3>&lt;script&gt;t&lt;/script&gt;</h3><ul><li>&lt;img src=x onerror=alert(1)&gt;</li></ul>` +
				`<p><strong>Outcome:</strong> &lt;b&gt;won&lt;/b&gt;</p>`,
			wantOK: true,
		},
	} {
		t.Run(test.name, func(t *testing.T) {
			got, ok := RenderSummary(test.content)
			assert.Equal(t, test.wantOK, ok)
			assert.Equal(t, test.want, got)
			// Whatever the input, the only tags are the ones the renderer writes.
			for _, tag := range []string{"<script", "<img", "<b>"} {
				assert.NotContains(t, got, tag)
			}
		})
	}
}

func TestMergeDescription(t *testing.T) {
	const summary = "<p>New brief</p>"
	const block = `<div data-gongsync="summary"><p>New brief</p></div>`
	for _, test := range []struct {
		name, existing, summary, want string
	}{
		{"EmptyBecomesBlock", "", summary, block},
		{"BlankBecomesBlock", " \n", summary, block},
		{"ExistingTextKeptAndBlockAppended", "<p>Notes by a CSM</p>", summary, "<p>Notes by a CSM</p>" + block},
		{"SameBlockUnchanged", "<p>Notes</p>" + block + "<p>After</p>", summary, "<p>Notes</p>" + block + "<p>After</p>"},
		{
			"OldBlockReplacedInPlace",
			`<p>Before</p><div data-gongsync="summary"><p>Old brief</p></div><p>After</p>`,
			summary,
			"<p>Before</p>" + block + "<p>After</p>",
		},
		{
			"OldBlockWithNestedDivsAndUppercaseTags",
			`<p>Before</p><DIV data-gongsync="summary"><div><p>edited</p></div></DIV><p>After</p>`,
			summary,
			"<p>Before</p>" + block + "<p>After</p>",
		},
		{"UnclosedOldBlockKeepsEverythingAndAppends", `<p>Before</p><div data-gongsync="summary"><p>Old<p>CSM note</p>`, summary, `<p>Before</p><div data-gongsync="summary"><p>Old<p>CSM note</p>` + block},
		{"MarkerStrippedByPlanhatIsNotAppendedTwice", "<p>Notes</p><div>" + summary + "</div>", summary, "<p>Notes</p><div>" + summary + "</div>"},
		{"EmptySummaryChangesNothing", "<p>Notes</p>", "", "<p>Notes</p>"},
		{"EmptySummaryKeepsOldBlock", "<p>Notes</p>" + block, " ", "<p>Notes</p>" + block},
		{"AlreadyWrappedSummaryNotWrappedTwice", "", block, block},
		{
			"DuplicateBlocksCollapse",
			`<p>A</p><div data-gongsync="summary">old</div><p>B</p><div data-gongsync="summary">older</div><p>C</p>`,
			summary,
			"<p>A</p>" + block + "<p>B</p><p>C</p>",
		},
		{"OtherDivsUntouched", "<div>mine</div>", summary, "<div>mine</div>" + block},
	} {
		t.Run(test.name, func(t *testing.T) {
			got := MergeDescription(test.existing, test.summary)
			assert.Equal(t, test.want, got)
			assert.Equal(t, got, MergeDescription(got, test.summary), "idempotent")
		})
	}
}

// TestMergeDescriptionProperties checks, over combinations of descriptions
// and summaries, that text outside the block survives and re-runs converge.
func TestMergeDescriptionProperties(t *testing.T) {
	existings := []string{
		"", "plain text", "<p>Notes</p>", "<div>a</div><div>b</div>", "<p>ünïcödé İ</p>",
		`<p>x</p><div data-gongsync="summary"><p>stale</p></div>`,
	}
	summaries := []string{"<p>one</p>", "<p>two</p><h3>Key points</h3><ul><li>k</li></ul>"}
	for _, existing := range existings {
		for _, first := range summaries {
			for _, second := range summaries {
				once := MergeDescription(existing, first)
				twice := MergeDescription(once, second)
				outside, _, _ := strings.Cut(existing, `<div data-gongsync="summary">`)
				require.True(t, strings.HasPrefix(twice, outside), "kept %q in %q", outside, twice)
				assert.Equal(t, 1, strings.Count(twice, `data-gongsync="summary"`), "one block in %q", twice)
				assert.True(t, strings.HasSuffix(twice, second+"</div>"), "latest summary in %q", twice)
				assert.Equal(t, MergeDescription(existing, second), twice, "the last merge decides")
			}
		}
	}
}
