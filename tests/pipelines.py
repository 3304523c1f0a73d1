"""Small pipelines many device tests use."""
import oakling as dai


def camera_pipeline(width=300, height=300, fps=30.0, interleaved=True, order=None, stream="preview"):
    p = dai.Pipeline()
    cam = p.create(dai.node.ColorCamera)
    cam.setPreviewSize(width, height)
    cam.setFps(fps)
    cam.setInterleaved(interleaved)
    if order is not None:
        cam.setColorOrder(order)
    xout = p.create(dai.node.XLinkOut)
    xout.setStreamName(stream)
    cam.preview.link(xout.input)
    return p, cam, xout


def echo_pipeline(max_data_size=None):
    """XLinkIn "in" → XLinkOut "out": what the host sends comes straight back."""
    p = dai.Pipeline()
    xin = p.create(dai.node.XLinkIn)
    xin.setStreamName("in")
    if max_data_size:
        xin.setMaxDataSize(max_data_size)
    xout = p.create(dai.node.XLinkOut)
    xout.setStreamName("out")
    xin.out.link(xout.input)
    return p


def stereo_pair(p, sockets=(dai.CameraBoardSocket.CAM_B, dai.CameraBoardSocket.CAM_C)):
    """Two 400P MonoCameras (left and right: CAM_B and CAM_C) into a subpixel StereoDepth of `p`;
    returns the StereoDepth."""
    stereo = p.create(dai.node.StereoDepth)
    stereo.setSubpixel(True)
    for socket, port in zip(sockets, (stereo.left, stereo.right)):
        cam = p.create(dai.node.MonoCamera)
        cam.setBoardSocket(socket)
        cam.setResolution(dai.MonoCameraProperties.SensorResolution.THE_400_P)
        cam.out.link(port)
    return stereo
