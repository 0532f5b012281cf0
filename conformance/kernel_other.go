//go:build !linux

package conformance

import (
	"errors"

	"github.com/cgfreezer/freezer"
)

// Kernel is the backend of the running kernel, which exists only on Linux.
type Kernel struct{ Backend }

// NewKernel says that there is no cgroupfs here.
func NewKernel(v freezer.Version) (*Kernel, error) {
	return nil, errors.New("the kernel backend needs Linux")
}

// Base is "": there is no cgroupfs.
func (k *Kernel) Base() string { return "" }

// HelperMain returns at once: without the kernel backend no helper runs.
func HelperMain() {}
