from django.shortcuts import render


def home(request):
    """Show each role where to start; anonymous visitors see what the program is."""
    if not request.user.is_authenticated:
        return render(request, "leaders/welcome.html")
    return render(request, "leaders/home.html", {"role": request.user.get_role_display()})
