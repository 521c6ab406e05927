package intake

import (
	"strings"

	"github.com/rcmbot/rcmbot/internal/claim"
)

// PersonName is a name as a single "LAST, FIRST MIDDLE" cell gives it.
type PersonName struct {
	Last, First, Middle, Suffix string
}

// String writes the name back as "LAST SUFFIX, FIRST MIDDLE".
func (n PersonName) String() string {
	last := n.Last
	if n.Suffix != "" {
		last += " " + n.Suffix
	}
	first := n.First
	if n.Middle != "" {
		first += " " + n.Middle
	}
	if last == "" && first == "" {
		return ""
	}
	return last + ", " + first
}

// nameSuffixes are the generational suffixes a name cell may carry after
// the last name or after the given names ("DOE JR, JOHN", "DOE, JOHN, III").
var nameSuffixes = map[string]string{"JR": "JR", "JR.": "JR", "SR": "SR", "SR.": "SR", "II": "II", "III": "III", "IV": "IV"}

// SplitPersonName reads a name written "LAST, FIRST MIDDLE" (Tebra/Kareo,
// AdvancedMD and eClinicalWorks exports): the last name before the first
// comma (a generational suffix after it, "DOE JR", is split off), the
// first given name after it, further given names or an initial as the
// middle name ("A." loses its dot), and a suffix after a second comma
// ("DOE, JOHN, JR"). Case and inner punctuation (O'BRIEN, SMITH-JONES)
// are kept. A name without a comma is refused: "JOHN DOE" and "DOE JOHN"
// cannot be told apart.
func SplitPersonName(s string) (PersonName, error) {
	var n PersonName
	s = strings.Join(strings.Fields(s), " ")
	last, rest, ok := strings.Cut(s, ",")
	if !ok {
		return n, errValue("expected the name as LAST, FIRST (a comma after the last name), such as DOE, JANE")
	}
	rest, suffix, hasSuffix := strings.Cut(rest, ",")
	if hasSuffix {
		sfx, known := nameSuffixes[strings.ToUpper(strings.TrimSpace(suffix))]
		if !known {
			return n, errValue("expected LAST, FIRST with at most a suffix (JR, SR, II, III, IV) after a second comma")
		}
		n.Suffix = sfx
	}
	words := strings.Fields(last)
	if len(words) > 1 && n.Suffix == "" {
		if sfx, known := nameSuffixes[strings.ToUpper(words[len(words)-1])]; known {
			n.Suffix, words = sfx, words[:len(words)-1]
		}
	}
	n.Last = strings.Join(words, " ")
	given := strings.Fields(rest)
	switch {
	case n.Last == "":
		return PersonName{}, errValue("the last name (before the comma) is blank; expected LAST, FIRST")
	case len(given) == 0:
		return PersonName{}, errValue("the first name (after the comma) is blank; expected LAST, FIRST")
	}
	if len(given) > 1 && n.Suffix == "" {
		if sfx, known := nameSuffixes[strings.ToUpper(given[len(given)-1])]; known {
			n.Suffix, given = sfx, given[:len(given)-1]
		}
	}
	n.First = given[0]
	if len(given) > 1 {
		mid := given[1:]
		if last := mid[len(mid)-1]; len(mid) == 1 && len(last) == 2 && last[1] == '.' {
			mid = []string{last[:1]}
		}
		n.Middle = strings.Join(mid, " ")
	}
	return n, nil
}

// credentials are the degrees and licences a provider name cell may
// carry after the name ("SMITH, JOHN A, MD", "SMITH MD, JOHN"), compared
// without dots: they are not part of the name the 837P sends.
var credentials = map[string]bool{"MD": true, "DO": true, "NP": true, "PA": true, "PAC": true, "PA-C": true,
	"DPM": true, "DC": true, "OD": true, "DDS": true, "DMD": true, "PHD": true, "PSYD": true, "RN": true,
	"APRN": true, "FNP": true, "FNP-C": true, "CRNA": true, "CNM": true, "LCSW": true, "LPC": true,
	"PT": true, "DPT": true, "OT": true, "AUD": true, "MBBS": true, "FACP": true}

// ParsePractitionerName reads a rendering or referring provider's name
// written "LAST, FIRST MIDDLE" as SplitPersonName does, with the
// provider's credentials (MD, DO, NP, PA-C …) dropped wherever they
// follow the first word, and a leading "Dr." dropped. The
// suffix (JR, III) is kept with the last name.
func ParsePractitionerName(s string) (claim.Practitioner, error) {
	var parts []string
	first := true
	for _, part := range strings.Split(s, ",") {
		var kept []string
		for _, w := range strings.Fields(part) {
			bare := strings.ToUpper(strings.ReplaceAll(w, ".", ""))
			dr := bare == "DR" || bare == "DOCTOR"
			switch {
			case first && dr:
				continue
			case !first && credentials[bare]: // "DO, MINH": a first word is a name
				continue
			}
			first = false
			kept = append(kept, w)
		}
		if len(kept) > 0 || len(parts) == 0 {
			parts = append(parts, strings.Join(kept, " "))
		}
	}
	n, err := SplitPersonName(strings.Join(parts, ", "))
	if err != nil {
		return claim.Practitioner{}, err
	}
	last := n.Last
	if n.Suffix != "" {
		last += " " + n.Suffix
	}
	return claim.Practitioner{LastName: last, FirstName: n.First, MiddleName: n.Middle}, nil
}
