package limits

import "testing"

func TestLimitsArePositive(t *testing.T) {
	for name, v := range map[string]int{
		"MessageRunes": MessageRunes, "PreviewRunes": PreviewRunes, "NameRunes": NameRunes, "EmailRunes": EmailRunes,
		"PhoneRunes": PhoneRunes, "IDRunes": IDRunes, "URLRunes": URLRunes, "UserAgentRunes": UserAgentRunes,
		"DataEntries": DataEntries, "DataKeyRunes": DataKeyRunes, "DataValueRunes": DataValueRunes,
		"FrameBytes": FrameBytes, "TokenRunes": TokenRunes, "FileNameRunes": FileNameRunes, "LabelRunes": LabelRunes,
	} {
		if v <= 0 {
			t.Errorf("%s = %d", name, v)
		}
	}
}

func TestLimitsAgree(t *testing.T) {
	// WhosOn allows 4000 characters per line; Parley's users must not lose what they could send.
	if MessageRunes < 4000 {
		t.Errorf("MessageRunes = %d, below WhosOn's 4000", MessageRunes)
	}
	if PreviewRunes > MessageRunes {
		t.Errorf("PreviewRunes %d > MessageRunes %d", PreviewRunes, MessageRunes)
	}
	// A frame holds the longest message in four-byte characters plus a maximal id and chat.
	const utf8Max = 4
	if need := utf8Max*(MessageRunes+2*IDRunes) + 256; FrameBytes < need {
		t.Errorf("FrameBytes = %d, a maximal message needs %d", FrameBytes, need)
	}
	if EmailRunes != 254 {
		t.Errorf("EmailRunes = %d, RFC 5321 allows 254", EmailRunes)
	}
}
