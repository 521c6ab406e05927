package sim

import (
	"encoding/binary"
	"fmt"
	"hash/fnv"
	"math/rand/v2"
	"strings"
	"time"

	"github.com/rcmbot/rcmbot/internal/claim"
)

// Profile is the kind of answer the payer simulator gives for a member.
type Profile string

// The simulator's member profiles. Each is one outcome an eligibility
// check can have.
const (
	ProfileActive         Profile = "active"          // PPO, active, ordinary deductible; some have a PCP
	ProfileHighDeductible Profile = "high_deductible" // HDHP, active, most of a $5,000+ deductible left
	ProfileDependent      Profile = "dependent"       // the patient is a dependent (child) on someone else's policy
	ProfileInactive       Profile = "inactive"        // coverage ended the month before the date of service (EB*6)
	ProfileOtherPayer     Profile = "other_payer"     // active, and another payer is primary (EB*R)
	ProfileNotFound       Profile = "not_found"       // AAA 75 subscriber not found, follow-up C
	ProfileInvalidID      Profile = "invalid_id"      // AAA 72 invalid member ID, follow-up C
	ProfileIDChanged      Profile = "id_changed"      // active, but the payer reports a new member ID
	ProfileUnavailable    Profile = "unavailable"     // AAA 42 unable to respond now, follow-up R (roster only)
)

// Profiles lists every profile, in the order the roster generates them.
var Profiles = []Profile{ProfileActive, ProfileHighDeductible, ProfileDependent, ProfileInactive,
	ProfileOtherPayer, ProfileNotFound, ProfileInvalidID, ProfileIDChanged, ProfileUnavailable}

// hashProfiles is how a member ID that is not on the seeded roster picks
// its profile: bucket = FNV-1a-64(seed as 8 little-endian bytes + the
// upper-cased member ID) mod 100. AAA 42 is never chosen this way, so an
// arbitrary ID always gets a final answer.
var hashProfiles = []struct {
	below   uint64
	profile Profile
}{
	{55, ProfileActive},         // 0-54
	{65, ProfileHighDeductible}, // 55-64
	{73, ProfileDependent},      // 65-72
	{81, ProfileInactive},       // 73-80
	{86, ProfileOtherPayer},     // 81-85
	{92, ProfileNotFound},       // 86-91
	{95, ProfileInvalidID},      // 92-94
	{97, ProfileIDChanged},      // 95-96
	{100, ProfileActive},        // 97-99
}

// idHash is the per-member hash the simulator derives everything from.
func idHash(seed int64, memberID string) uint64 {
	h := fnv.New64a()
	var b [8]byte
	binary.LittleEndian.PutUint64(b[:], uint64(seed))
	h.Write(b[:])
	h.Write([]byte(strings.ToUpper(strings.TrimSpace(memberID))))
	return h.Sum64()
}

// HashProfile returns the profile a member ID that is not on the roster
// gets under seed.
func HashProfile(seed int64, memberID string) Profile {
	b := idHash(seed, memberID) % 100
	for _, p := range hashProfiles {
		if b < p.below {
			return p.profile
		}
	}
	return ProfileActive
}

// Member is one person on the simulator's roster: a payer knows them under
// ID with this name and date of birth.
type Member struct {
	ID        string     `json:"member_id"`
	PayerID   string     `json:"payer_id"`
	Profile   Profile    `json:"profile"`
	FirstName string     `json:"first_name"`
	LastName  string     `json:"last_name"`
	DOB       claim.Date `json:"dob"`
	Sex       claim.Sex  `json:"sex"`
	// Subscriber is the policy holder for ProfileDependent (the member is
	// then the patient, a child on that policy).
	Subscriber *Member `json:"subscriber,omitempty"`
}

var firstNames = []string{"Dolores", "Nneka", "Oswaldo", "Priya", "Tobias", "Marisol", "Kenji", "Agnieszka", "Darnell", "Ingrid",
	"Rafael", "Siobhan", "Tomasz", "Yesenia", "Bartholomew", "Consuelo", "Emeka", "Fiona", "Gideon", "Henrietta",
	"Ignatius", "Juniper", "Lorcan", "Mireille", "Nikolai", "Ottilie", "Percival", "Rosalind", "Soren", "Thandiwe"}

var lastNames = []string{"Fairweather", "Okafor", "Trent", "Ramanathan", "Whitlock", "Quintero", "Hayashida", "Kowalczyk",
	"Pemberton", "Lindqvist", "Abernathy", "Castellanos", "Drummond", "Espinoza", "Fitzgerald", "Gallagher",
	"Holloway", "Ivanova", "Jablonski", "Kincaid", "Larkspur", "Montgomery", "Nakamura", "Oyelaran", "Prendergast",
	"Quimby", "Rutherford", "Sandoval", "Thistlewood", "Underhill"}

// Roster returns the seeded roster: for each payer and profile, perProfile
// members, in payer, profile, index order. The same seed always gives the
// same members; member IDs follow each payer's style (Medicare MBI, Aetna
// W + 9 digits, UnitedHealthcare 9 digits, Cigna U + 8 digits + 01,
// others a letter and 9 digits).
func Roster(seed int64, payerIDs []string, perProfile int) []Member {
	var out []Member
	for _, payer := range payerIDs {
		for pi, prof := range Profiles {
			for i := 0; i < perProfile; i++ {
				rng := rand.New(rand.NewPCG(uint64(seed), idHash(seed, fmt.Sprintf("%s/%d/%d", payer, pi, i))))
				m := person(rng, payer, prof, 1940, 2004)
				if prof == ProfileDependent {
					holder := person(rng, payer, ProfileActive, 1965, 1990)
					m.LastName = holder.LastName
					m.DOB = randomDate(rng, 2008, 2022)
					m.Subscriber = &holder
					m.ID = holder.ID // dependents are asked about under the policy's member ID
				}
				out = append(out, m)
			}
		}
	}
	return out
}

func person(rng *rand.Rand, payer string, prof Profile, fromYear, toYear int) Member {
	sex := claim.SexFemale
	if rng.IntN(2) == 1 {
		sex = claim.SexMale
	}
	return Member{ID: memberID(rng, payer), PayerID: payer, Profile: prof, Sex: sex,
		FirstName: firstNames[rng.IntN(len(firstNames))], LastName: lastNames[rng.IntN(len(lastNames))],
		DOB: randomDate(rng, fromYear, toYear)}
}

func randomDate(rng *rand.Rand, fromYear, toYear int) claim.Date {
	from := claim.NewDate(fromYear, time.January, 1)
	to := claim.NewDate(toYear, time.December, 31)
	return from.AddDays(rng.IntN(int(to-from) + 1))
}

func digits(rng *rand.Rand, n int) string {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte('0' + rng.IntN(10))
	}
	return string(b)
}

// mbiLetters are the letters a Medicare Beneficiary Identifier uses (no S, L, O, I, B, Z).
const mbiLetters = "ACDEFGHJKMNPQRTUVWXY"

func memberID(rng *rand.Rand, payer string) string {
	switch payer {
	case "01112":
		l := func() byte { return mbiLetters[rng.IntN(len(mbiLetters))] }
		alnum := func() byte {
			if rng.IntN(2) == 0 {
				return byte('0' + rng.IntN(10))
			}
			return l()
		}
		return string([]byte{byte('1' + rng.IntN(9)), l(), alnum(), byte('0' + rng.IntN(10)), l(), alnum(),
			byte('0' + rng.IntN(10)), l(), l(), byte('0' + rng.IntN(10)), byte('0' + rng.IntN(10))})
	case "60054":
		return "W" + digits(rng, 9)
	case "87726":
		return digits(rng, 9)
	case "62308":
		return "U" + digits(rng, 8) + "01"
	}
	return string(rune('A'+rng.IntN(26))) + digits(rng, 9)
}
