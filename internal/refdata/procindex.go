package refdata

// ProcInfo is everything the reference data says about one procedure code,
// gathered so the scrubber looks a service line's code up once.
type ProcInfo struct {
	MUE     MUEEdit   // MAI 0 when the code has no MUE
	HCPCS   HCPCSCode // Level II validity dates (InHCPCS)
	InHCPCS bool
	AddOn   *AddOn      // nil unless the code is an add-on code
	Edits   []*ProcEdit // rule-pack edits on the code
}

// ProcIndex finds a code's ProcInfo with one probe of an open-addressing
// table keyed by CodeKey.
type ProcIndex struct {
	keys  []CodeKey // 0 = empty slot
	infos []ProcInfo
	shift uint8
}

// Lookup returns the code's ProcInfo, or nil when no table knows it.
func (t *ProcIndex) Lookup(k CodeKey) *ProcInfo {
	if k == 0 || len(t.keys) == 0 {
		return nil
	}
	mask := len(t.keys) - 1
	for i := int((uint64(k) * 0x9E3779B97F4A7C15) >> t.shift); ; i = (i + 1) & mask {
		switch t.keys[i] {
		case k:
			return &t.infos[i]
		case 0:
			return nil
		}
	}
}

// Len returns the number of codes indexed.
func (t *ProcIndex) Len() int {
	n := 0
	for _, k := range t.keys {
		if k != 0 {
			n++
		}
	}
	return n
}

// buildProcIndex gathers the per-code tables into one index.
func buildProcIndex(mue *MUE, hcpcs *HCPCS, aoc *AOC, edits *ProcEdits) *ProcIndex {
	codes := make(map[CodeKey]*ProcInfo, len(mue.codes)+len(hcpcs.codes))
	get := func(k CodeKey) *ProcInfo {
		p := codes[k]
		if p == nil {
			p = &ProcInfo{}
			codes[k] = p
		}
		return p
	}
	for k, e := range mue.codes {
		get(k).MUE = e
	}
	for k, h := range hcpcs.codes {
		p := get(k)
		p.HCPCS, p.InHCPCS = h, true
	}
	for k := range aoc.addOns {
		a := aoc.addOns[k]
		get(k).AddOn = &a
	}
	for k, es := range edits.byCode {
		get(k).Edits = es
	}
	size, bits := 8, 3
	for size < len(codes)*2 {
		size, bits = size*2, bits+1
	}
	t := &ProcIndex{keys: make([]CodeKey, size), infos: make([]ProcInfo, size), shift: uint8(64 - bits)}
	mask := size - 1
	for k, p := range codes {
		i := int((uint64(k) * 0x9E3779B97F4A7C15) >> t.shift)
		for t.keys[i] != 0 {
			i = (i + 1) & mask
		}
		t.keys[i], t.infos[i] = k, *p
	}
	return t
}
