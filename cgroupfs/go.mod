module github.com/cgfreezer/freezer/cgroupfs

go 1.25

require (
	github.com/cgfreezer/freezer v0.0.0-00010101000000-000000000000
	github.com/hanwen/go-fuse/v2 v2.12.1
	go.uber.org/goleak v1.3.0
)

require golang.org/x/sys v0.28.0 // indirect

replace github.com/cgfreezer/freezer => ../
